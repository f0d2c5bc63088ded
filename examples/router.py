"""Router: add routes and find the handler of a request by path, method and content type.

Port of the 2017 manual's ``router.py`` example (``clink`` -> ``clink_core``).
"""

from clink_core import Request, Route, Router


def book_handle(name):
    print(f"This is {name} book")


def hat_handle(name):
    print(f"This is {name} hat")


router = Router()

book_route = Route("/api/book", "get", "text/plain", book_handle)
hat_route = Route("/api/hat", "get", "text/plain", hat_handle)

router.add_route(book_route)
router.add_route(hat_route)

req = Request()
req.method = "get"
req.content_type = "text/plain"

req.path = "/api/book"
req_handle = router.handle(req)
req_handle("story")

req.path = "/api/hat"
req_handle = router.handle(req)
req_handle("baseball")
