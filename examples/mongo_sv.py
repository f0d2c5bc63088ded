"""The manual's mongo_sv.py example, ported to clink-mongo.

Run it against any MongoDB-compatible server:

    CLINK_MONGO_URL=mongodb://127.0.0.1:27017 python examples/mongo_sv.py

It prints the stored book, e.g.
``{'_id': ObjectId('592403e2e7798911eb606720'), 'name': 'How to Die', 'author': 'Death'}``.
``CLINK_MONGO_DB`` names the database (default ``book-db``, as in the manual).
"""

import os

from pymongo import ASCENDING, IndexModel

from clink_mongo import MongoConf, MongoDocSpec, MongoSv

dburl = os.environ.get("CLINK_MONGO_URL", "mongodb://127.0.0.1:27017")
dbname = os.environ.get("CLINK_MONGO_DB", "book-db")
conf = MongoConf(dburl, dbname)
mongo_sv = MongoSv(conf)
# Not in the manual: start from an empty database so that the example can run
# twice (the unique index below would refuse the second 'How to Die').
mongo_sv.clear()

book_doc_name = "book"
book_doc_index_1 = IndexModel([("name", ASCENDING)], unique=True)
book_doc_spec = MongoDocSpec(book_doc_name, [book_doc_index_1])

mongo_sv.use_docspec(book_doc_spec)

book_doc = mongo_sv.doc(book_doc_name)
book_doc.insert_one({"name": "How to Die", "author": "Death"})

book = book_doc.find_one({"name": "How to Die"})
print(book)
mongo_sv.close()
