"""The manual's acc_sv.py example, ported to clink-auth.

    CLINK_MONGO_URL=mongodb://127.0.0.1:27017 python examples/acc_sv.py
    root root@mail.com REGISTERED

Creating ``AccSv`` creates the ``root`` account from ``AuthConf`` (once: a
second run finds it). Differences from the manual's listing, which does not
run as printed: ``AuthConf`` takes the mail server's port as its own argument
(the manual passed ``'smtp.email.com:587'`` and left the port out), and
``jwt_key`` must be at least 64 bytes, so it comes from ``CLINK_AUTH_JWT_KEY``
or is drawn at random (tokens are not used here). ``CLINK_MONGO_DB`` names the
database (default ``book-db``).
"""

import os
import secrets

from clink_auth import AccSv, AuthConf, AuthDbSv
from clink_mongo import MongoConf, MongoSv

mongo_conf = MongoConf(
    os.environ.get("CLINK_MONGO_URL", "mongodb://127.0.0.1:27017"),
    os.environ.get("CLINK_MONGO_DB", "book-db"),
)
mongo_sv = MongoSv(mongo_conf)

authdb_sv = AuthDbSv(mongo_sv)

root_pwd = "root-pwd"
root_email = "root@mail.com"
root_email_pwd = "root-email-pwd"
root_email_server = "smtp.email.com"
root_email_server_port = 587
jwt_key = os.environ.get("CLINK_AUTH_JWT_KEY") or secrets.token_urlsafe(64)
auth_conf = AuthConf(
    root_pwd, root_email, root_email_pwd, root_email_server,
    root_email_server_port, jwt_key
)

acc_sv = AccSv(authdb_sv, auth_conf)

root_acc = acc_sv.find_pwd("root", root_pwd)
print(root_acc["name"], root_acc["email"], root_acc["last_action"])
mongo_sv.close()
