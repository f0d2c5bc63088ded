"""Components: the injector creates each component once, in dependency order.

The 2017 manual's components.py, for today's clink: `@stamp(Dep)` records what a
constructor takes; a `Primitive` (a configuration) is added as an instance.
"""

from clink_core import Injector, Primitive, Request, Response, Service, stamp
from clink_core.com import CircleComError, Component, PrimError

created: list[dict[str, str]] = []


class MailConf(Primitive):  # never created by the injector: added as an instance
    def __init__(self, sender: str) -> None:
        self.sender = sender


@stamp(MailConf)
class AccountService(Service):
    def __init__(self, mail_conf: MailConf) -> None:
        self.sender = mail_conf.sender

    def create(self, info: dict[str, str]) -> None:
        created.append(info)


@stamp(AccountService)
class AccountCtl(Component):
    def __init__(self, account_service: AccountService) -> None:
        self._account_service = account_service  # a dependency, given by the injector

    def create(self, req: Request, res: Response) -> None:
        self._account_service.create(req.body)


injector = Injector()
injector.add_prim(MailConf("noreply@example.com"))
injector.add_com(AccountCtl)  # AccountService is found through AccountCtl's stamp
injector.load()  # creates AccountService, then AccountCtl

if __name__ == "__main__":
    acc_ctl = injector.ref(AccountCtl)
    req, res = Request(), Response()
    req.body = {"name": "Micheal", "email": "michael@mars.com"}
    acc_ctl.create(req, res)
    assert created == [{"name": "Micheal", "email": "michael@mars.com"}]

    # One instance of each component: the controller's service is the injector's.
    acc_sv = injector.ref(AccountService)
    assert acc_ctl._account_service is acc_sv and acc_sv.sender == "noreply@example.com"

    # A missing primitive names who needs it.
    lonely = Injector()
    lonely.add_com(AccountService)
    try:
        lonely.load()
    except PrimError as e:
        assert "MailConf" in str(e)
    else:
        raise AssertionError("an injector without MailConf loaded")

    # A cycle is refused, naming it.
    class Chicken(Service):
        def __init__(self, egg: "Egg") -> None: ...

    @stamp(Chicken)
    class Egg(Service):
        def __init__(self, chicken: Chicken) -> None: ...

    stamp(Egg)(Chicken)  # stamped once Egg exists: Chicken needs Egg, which needs Chicken
    cyclic = Injector()
    cyclic.add_com(Egg)
    try:
        cyclic.load()
    except CircleComError as e:
        assert "Chicken" in str(e) and "Egg" in str(e)
    else:
        raise AssertionError("a cycle of components loaded")
    print("components: ok")
