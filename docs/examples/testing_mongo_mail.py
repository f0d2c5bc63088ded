"""Testing with real servers: clink-mongo's fixtures and clink-smtp's Outbox, no mocks.

pip install './plugins/clink_mongo[test]' ./plugins/clink_smtp registers the mongo_*
fixtures (a SecantusDB server started once per session, or CLINK_TEST_MONGO_URL).
`python testing_mongo_mail.py` runs these tests with pytest.
"""

import sys
from collections.abc import Callable
from typing import Any

import pytest
from pymongo import MongoClient

from clink_core import App, Controller, Request, Response, mapper, stamp
from clink_core.testing import Client
from clink_mongo import MongoConf, MongoDocSpec, MongoSv
from clink_smtp import SmtpSv
from clink_smtp.outbox import Outbox

SIGNUPS = MongoDocSpec("signups")


@stamp(MongoSv, SmtpSv)
@mapper.path("/signup")
class SignupCtl(Controller):
    def __init__(self, mongo_sv: MongoSv, smtp_sv: SmtpSv) -> None:
        mongo_sv.use_docspec(SIGNUPS)
        self._signups = mongo_sv.doc("signups")
        self._smtp_sv = smtp_sv

    @mapper.post("")
    def signup(self, req: Request, res: Response) -> None:
        email = req.body["email"]
        self._signups.insert_one({"email": email})
        self._smtp_sv.send(email, "Welcome", "Thanks for signing up.")
        res.status = 204


def test_signup_stores_and_sends_mail(
    make_app: Callable[..., App], mongo_conf: MongoConf, mongo_client: MongoClient[Any],
) -> None:
    with Outbox(port=None) as box:  # a real SMTP server on a free port of 127.0.0.1
        app = make_app(SignupCtl, plugins=["mongo", "smtp"])
        app.add_prim(mongo_conf, box.smtp_conf("noreply@example.com"))
        assert Client(app).post("/signup", json={"email": "ann@example.com"}).status == 204
        assert box.messages[0].rcpt_tos == ["ann@example.com"]
        assert box.messages[0].subject == "Welcome"
    stored = mongo_client[mongo_conf.dbname]["signups"].find_one({}, {"_id": 0})
    assert stored == {"email": "ann@example.com"}


def test_each_test_gets_a_fresh_database(mongo_sv: MongoSv) -> None:
    mongo_sv.use_docspec(SIGNUPS)
    assert mongo_sv.doc("signups").count_documents({}) == 0


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
