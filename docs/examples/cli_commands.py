"""The clink command on this module's app: routes, openapi, plugins, run.

`clink` is the console script of clink-core; `python -m clink_core` is the same.
"""

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from clink_core import App, AppConf, Controller, Request, Response, mapper


@mapper.path("/book")
class BookCtl(Controller):
    @mapper.get("/item")
    def get_item(self, req: Request, res: Response) -> None:
        """One book."""
        res.body = {"name": "How to Die"}


app = App(AppConf("book-api"), plugins=["cors"])
app.add_ctl(BookCtl)  # not loaded here: the command loads it

HERE = Path(__file__).resolve().parent
CLINK = [sys.executable, "-m", "clink_core"]


def clink(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLINK, *args], cwd=HERE, capture_output=True, text=True,
                          timeout=30, check=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


if __name__ == "__main__":
    routes = clink("routes", "cli_commands:app")
    assert routes.returncode == 0, routes.stderr
    assert routes.stdout.split("\n")[1].split() == [
        "GET", "/book/item", "-", "cli_commands.BookCtl.get_item"]

    document = json.loads(clink("openapi", "cli_commands:app").stdout)
    assert document["openapi"].startswith("3.1")
    assert document["paths"]["/book/item"]["get"]["summary"] == "One book."

    plugins = clink("plugins", "cli_commands:app").stdout.splitlines()
    assert plugins[0].split() == [
        "NAME", "DISTRIBUTION", "VERSION", "MODULE", "STATUS", "ENABLED"]
    cors = next(line.split() for line in plugins if line.startswith("clink_cors "))
    assert (cors[1], cors[-2], cors[-1]) == ("clink-cors", "ok", "yes")

    # A target that cannot be imported is one line on stderr and exit code 2.
    broken = clink("routes", "no_such_module:app")
    assert broken.returncode == 2 and broken.stderr.startswith("clink: error: no module named")

    # The development server, on a free port of 127.0.0.1.
    port = free_port()
    server = subprocess.Popen([*CLINK, "run", "cli_commands:app", "--port", str(port)],
                              cwd=HERE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/book/item",
                                            timeout=2) as answer:
                    assert json.loads(answer.read()) == {"name": "How to Die"}
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=10)
    print("cli: ok")
