"""An SMTP server for Kalends' tests (aiosmtpd): it keeps every accepted
mail as a JSON file in a directory, refuses some recipients with 550 and
answers 451 to others a number of times before accepting them.

Usage: smtpsink.py PORT DIR CONFIG.json
CONFIG: {"reject": ["addr", ...], "tempfail": {"addr": N, ...}}
Prints "READY" once it listens on 127.0.0.1:PORT; stops on SIGTERM.
"""
import base64
import json
import os
import signal
import sys
import threading

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, directory, config):
        self.dir = directory
        self.reject = {a.lower() for a in config.get("reject") or []}
        self.tempfail = {a.lower(): n for a, n in (config.get("tempfail") or {}).items()}
        self.count = 0
        self.lock = threading.Lock()

    def log(self, line):
        with open(os.path.join(self.dir, "rcpt.log"), "a") as f:
            f.write(line + "\n")

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        a = address.lower()
        if a in self.reject:
            self.log("550 " + a)
            return "550 5.1.1 <%s>: no such user here" % address
        if self.tempfail.get(a, 0) > 0:
            self.tempfail[a] -= 1
            self.log("451 " + a)
            return "451 4.3.0 try again later"
        self.log("250 " + a)
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            n = self.count
        data = envelope.original_content or envelope.content
        if isinstance(data, str):
            data = data.encode()
        msg = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
               "helo": session.host_name, "data": base64.b64encode(data).decode()}
        path = os.path.join(self.dir, "%06d.json" % n)
        with open(path + ".tmp", "w") as f:
            json.dump(msg, f)
        os.rename(path + ".tmp", path)
        return "250 2.0.0 accepted"


def main():
    port, directory, config = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    with open(config) as f:
        cfg = json.load(f)
    controller = Controller(Sink(directory, cfg), hostname="127.0.0.1", port=port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print("READY", flush=True)
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
