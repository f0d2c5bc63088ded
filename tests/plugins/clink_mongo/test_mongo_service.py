"""MongoSv against a real MongoDB-wire server (SecantusDB or CLINK_TEST_MONGO_URL)."""

from __future__ import annotations

import threading

import pytest
from mongo_apps import BookCtl, book_spec
from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError, InvalidOperation

import clink_mongo
from clink_core import Controller, Service, mapper, stamp
from clink_core.com.label import read_stamp
from clink_mongo import (
    DocSpecExit,
    DocumentIndexError,
    DocumentNotExist,
    MongoConf,
    MongoDocSpec,
    MongoListeners,
    MongoSv,
    MongoSvError,
)

pytestmark = pytest.mark.timeout(60)


def test_service_is_stamped_with_its_conf():
    assert issubclass(MongoSv, Service)
    assert read_stamp(MongoSv, "deps") == (MongoConf, MongoListeners)


def test_constructor_needs_a_conf():
    with pytest.raises(TypeError, match="MongoConf"):
        MongoSv("mongodb://127.0.0.1")  # type: ignore[arg-type]


def test_client_is_created_once_with_short_timeouts(mongo_sv):
    assert mongo_sv.client is mongo_sv.client
    options = mongo_sv.client.options
    assert options.server_selection_timeout == 2.0
    assert options.pool_options.connect_timeout == 2.0
    assert options.pool_options.socket_timeout == 5.0
    assert mongo_sv.db.name == mongo_sv.conf.dbname


def test_use_docspec_creates_indexes_and_doc_returns_the_collection(mongo_sv, mongo_client):
    mongo_sv.use_docspec(book_spec())
    book = mongo_sv.doc("book")
    assert isinstance(book, Collection)
    assert book.name == "book"
    assert book.database.name == mongo_sv.conf.dbname
    info = mongo_client[mongo_sv.conf.dbname]["book"].index_information()
    assert info["name_1"]["unique"] is True
    book.insert_one({"name": "How to Die", "author": "Death"})
    found = book.find_one({"name": "How to Die"})
    assert found["author"] == "Death"


def test_unique_index_refuses_duplicates_for_real(mongo_sv):
    mongo_sv.use_docspec(book_spec())
    book = mongo_sv.doc("book")
    book.insert_one({"name": "Dune"})
    with pytest.raises(DuplicateKeyError) as info:
        book.insert_one({"name": "Dune"})
    assert info.value.code == 11000
    assert "E11000" in str(info.value)
    assert book.count_documents({}) == 1


def test_use_docspec_twice_raises_doc_spec_exit(mongo_sv):
    mongo_sv.use_docspec(book_spec())
    assert clink_mongo.DocSpecExistError is DocSpecExit  # the correctly spelled alias
    with pytest.raises(DocSpecExit, match="'book' is already in use") as info:
        mongo_sv.use_docspec(MongoDocSpec("book", []))
    assert info.value.name == "book"
    assert isinstance(info.value, MongoSvError)


def test_use_docspec_takes_a_doc_spec(mongo_sv):
    with pytest.raises(TypeError, match="MongoDocSpec"):
        mongo_sv.use_docspec("book")


def test_use_docspecs_and_docs(mongo_sv):
    mongo_sv.use_docspecs([book_spec(), MongoDocSpec("author", []), MongoDocSpec("tag")])
    book, author = mongo_sv.docs("book", "author")
    assert (book.name, author.name) == ("book", "author")
    assert mongo_sv.docs() == ()


def test_unknown_doc_raises_document_not_exist(mongo_sv):
    mongo_sv.use_docspec(book_spec())
    with pytest.raises(DocumentNotExist, match="'movie' is not under management") as info:
        mongo_sv.doc("movie")
    assert info.value.doc_name == "movie"
    assert "'book'" in str(info.value)
    with pytest.raises(DocumentNotExist, match="'movie'"):
        mongo_sv.docs("book", "movie")


def test_conflicting_index_raises_document_index_error(mongo_sv, mongo_client):
    # Another deployment created name_1 as a plain index; the spec wants it unique.
    mongo_client[mongo_sv.conf.dbname]["book"].create_index([("name", ASCENDING)])
    wanted = IndexModel([("name", ASCENDING)], unique=True)
    with pytest.raises(DocumentIndexError) as info:
        mongo_sv.use_docspec(MongoDocSpec("book", [wanted]))
    e = info.value
    assert e.doc_name == "book"
    assert e.req_index is wanted
    assert e.code in (85, 86)
    assert "document 'book': cannot create index name_1 {name: 1} (unique=True)" in str(e)
    # Nothing was registered: the spec may be fixed and used again.
    with pytest.raises(DocumentNotExist):
        mongo_sv.doc("book")


def test_unique_index_over_duplicate_data_raises_document_index_error(mongo_sv, mongo_client):
    mongo_client[mongo_sv.conf.dbname]["book"].insert_many([{"name": "a"}, {"name": "a"}])
    second = IndexModel([("name", ASCENDING)], unique=True)
    first = IndexModel([("year", DESCENDING)])
    with pytest.raises(DocumentIndexError, match="name_1") as info:
        mongo_sv.use_docspec(MongoDocSpec("book", [first, second]))
    assert info.value.req_index is second
    assert info.value.code == 11000


def test_clear_deletes_data_and_keeps_indexes(mongo_sv, mongo_client):
    mongo_sv.use_docspec(book_spec())
    mongo_sv.doc("book").insert_one({"name": "Dune"})
    mongo_sv.db["other"].insert_one({"x": 1})
    mongo_sv.clear()
    db = mongo_client[mongo_sv.conf.dbname]
    assert db["book"].count_documents({}) == 0
    assert db["other"].count_documents({}) == 0
    assert db["book"].index_information()["name_1"]["unique"] is True
    mongo_sv.doc("book").insert_one({"name": "Dune"})
    with pytest.raises(DuplicateKeyError):
        mongo_sv.doc("book").insert_one({"name": "Dune"})


def test_close_closes_the_client(mongo_conf):
    sv = MongoSv(mongo_conf)
    sv.ping()
    sv.close()
    with pytest.raises(InvalidOperation):
        sv.ping()
    sv.close()  # twice is harmless


def test_one_client_shared_by_threads(mongo_sv):
    mongo_sv.use_docspec(book_spec())
    book = mongo_sv.doc("book")
    errors: list[BaseException] = []
    won: list[int] = []

    def work(n: int) -> None:
        try:
            for i in range(20):
                book.insert_one({"name": f"t{n}-{i}"})
            try:
                book.insert_one({"name": "contested"})
                won.append(n)
            except DuplicateKeyError:
                pass
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    assert len(won) == 1
    assert book.count_documents({}) == 8 * 20 + 1


@stamp(MongoSv)
@mapper.path("/other")
class OtherCtl(Controller):
    def __init__(self, mongo_sv: MongoSv) -> None:
        self.mongo_sv = mongo_sv


def test_injector_creates_one_service_for_the_app(mongo_app, mongo_conf):
    app = mongo_app(mongo_conf, BookCtl, OtherCtl)
    app.load()
    sv = app.injector.ref(MongoSv)
    assert app.injector.ref(BookCtl).books.database is sv.db
    assert app.injector.ref(OtherCtl).mongo_sv is sv
    assert sv.conf is mongo_conf


def test_an_app_without_the_plugin_loaded_gets_a_service_with_no_listeners():
    from clink_core import App, AppConf

    app = App(AppConf("no-plugin"))
    app.add_prim(MongoConf("mongodb://127.0.0.1:1", "db"))
    app.add_com(MongoSv)
    app.load()  # MongoListeners.default(): nothing to hand the client
    assert app.injector.ref(MongoListeners).all() == []
    app.close()
