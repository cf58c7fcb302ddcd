"""A real SMTP server on loopback for the email tests (aiosmtpd).

Usage: smtp_sink.py DIR PORT
Saves each message it accepts as DIR/NNNN.json: the envelope, the login used
(if any), the parsed headers and the decoded plain-text body. Prints
"ready" once it accepts connections; runs until killed.
"""

import email
import email.policy
import json
import os
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

OUT, PORT = sys.argv[1], int(sys.argv[2])
USER, PASSWORD = b"tend-user", b"s3cret-pass"


class Sink:
    def __init__(self):
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "login": session.auth_data if session.authenticated else None,
            "headers": {k: str(v) for k, v in message.items()},
            "body": message.get_content(),
        }
        with self.lock:
            self.count += 1
            path = os.path.join(OUT, "%04d.json" % self.count)
        with open(path + ".tmp", "w") as f:
            json.dump(record, f)
        os.rename(path + ".tmp", path)
        return "250 2.0.0 accepted"


def authenticator(server, session, envelope, mechanism, auth_data):
    if (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == USER
        and auth_data.password == PASSWORD
    ):
        return AuthResult(success=True, auth_data=auth_data.login.decode())
    return AuthResult(success=False, handled=False)


controller = Controller(
    Sink(),
    hostname="127.0.0.1",
    port=PORT,
    authenticator=authenticator,
    auth_require_tls=False,
)
controller.start()
print("ready", flush=True)
threading.Event().wait()
