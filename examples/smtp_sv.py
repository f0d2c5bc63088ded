"""SmtpSv: send a plain-text mail.

Port of the 2017 manual's ``smtp_sv.py`` example (``clink.service`` ->
``clink_smtp``). ``SmtpSv`` takes its own ``SmtpConf`` instead of the manual's
``AuthConf``. This version sends to the console outbox, so start that first:

    python -m clink_smtp.outbox --port 2525
    python examples/smtp_sv.py

``CLINK_SMTP_HOST`` and ``CLINK_SMTP_PORT`` choose another server (the default
is 127.0.0.1:2525). For a real server, give the sender's password and use TLS:
``SmtpConf('smtp.email.com', 587, 'you@email.com', 'secret-words')``.
"""

import os

from clink_core import AppConf
from clink_smtp import SmtpConf, SmtpSv

app_conf = AppConf("Awesome Application")

sender_email = "you@email.com"
email_server_address = os.environ.get("CLINK_SMTP_HOST", "127.0.0.1")
email_server_port = int(os.environ.get("CLINK_SMTP_PORT", "2525"))
smtp_conf = SmtpConf(
    email_server_address, email_server_port, sender_email, security="none"
)

smtp = SmtpSv(app_conf, smtp_conf)

receiver = "someone@email.com"
subject = "Let be friends"
content = "Hello there"
smtp.send(receiver, subject, content)
