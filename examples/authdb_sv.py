"""The manual's authdb_sv.py example, ported to clink-auth.

Run it against any MongoDB-compatible server:

    CLINK_MONGO_URL=mongodb://127.0.0.1:27017 python examples/authdb_sv.py

It prints the account, group, reset-code and temporary-account collections
(``Collection(Database(MongoClient(host=['127.0.0.1:27017'], ...), 'book-db'), 'acc')``);
their indexes are created on the way. ``CLINK_MONGO_DB`` names the database
(default ``book-db``, as in the manual).
"""

import os

from clink_auth import AuthDbSv
from clink_mongo import MongoConf, MongoSv

mongo_conf = MongoConf(
    os.environ.get("CLINK_MONGO_URL", "mongodb://127.0.0.1:27017"),
    os.environ.get("CLINK_MONGO_DB", "book-db"),
)
mongo_sv = MongoSv(mongo_conf)

authdb_sv = AuthDbSv(mongo_sv)
print(authdb_sv.acc_doc())
print(authdb_sv.grp_doc())
print(authdb_sv.rpwd_doc())
print(authdb_sv.acctmp_doc())
mongo_sv.close()
