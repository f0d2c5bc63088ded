"""The manual's Quickstart: one controller answering GET /book/item with JSON.

Needs clink-json (dict bodies). Serves on 127.0.0.1:8080, or the port in PORT.
"""

import contextlib
import os

# STEP 2: get an WSGI server
from wsgiref.simple_server import make_server

# STEP 1: get clink library
from clink_core import App, AppConf, Controller, mapper, stamp

# STEP 3: create application
conf = AppConf("book-api")
app = App(conf)


# STEP 4: define controller
@stamp()
@mapper.path("/book")
class BookCtl(Controller):
    @mapper.get("/item")
    def get_item(self, req, res):
        res.body = {"name": "How to Die", "author": "Death"}


# STEP 5: add controller to application
app.add_ctl(BookCtl)

# STEP 6: load components
app.load()

# STEP 7: serve application on WSGI server
if __name__ == "__main__":
    address = "127.0.0.1"
    port = int(os.environ.get("PORT", "8080"))
    print(f"Prepare API on http://{address}:{port}/book/item", flush=True)
    httpd = make_server(address, port, app)
    with contextlib.suppress(KeyboardInterrupt):
        httpd.serve_forever()
