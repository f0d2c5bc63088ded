"""The component model (clink_core.com) and the Version / AppConf types."""

from __future__ import annotations

import functools
import types

import pytest

from clink_core.com import (
    CircleComError,
    ComAttrError,
    ComCreationError,
    ComDepedencyError,
    ComError,
    ComExistError,
    Component,
    ComTypeError,
    Controller,
    Injector,
    InjectorLoadingError,
    PrimError,
    Primitive,
    Service,
    find,
    read_stamp,
    stamp,
    write_stamp,
)
from clink_core.type import AppConf, ConfError, Version

# -- components shared by several tests -------------------------------------------


@stamp()
class Engine(Primitive):
    def __init__(self, name: str) -> None:
        self.name = name


@stamp(Engine)
class Car(Component):
    def __init__(self, engine: Engine) -> None:
        self.engine = engine


@stamp(Car)
class Driver(Component):
    def __init__(self, car: Car) -> None:
        self.car = car


@stamp()
class Pump(Component):
    def __init__(self) -> None:
        self.serial = object()


@stamp(Pump)
class Nozzle(Component):
    def __init__(self, pump: Pump) -> None:
        self.pump = pump


@stamp(Pump)
class Sprinkler(Component):
    def __init__(self, pump: Pump) -> None:
        self.pump = pump


@stamp(Nozzle, Sprinkler)
class Garden(Component):
    def __init__(self, nozzle: Nozzle, sprinkler: Sprinkler) -> None:
        self.nozzle = nozzle
        self.sprinkler = sprinkler


def loaded(*com_types: type, prims: tuple[object, ...] = ()) -> Injector:
    injector = Injector()
    for prim in prims:
        injector.add_prim(prim)
    injector.add_coms(list(com_types))
    injector.load()
    return injector


# -- auto creation and dependency solving ----------------------------------------


def test_load_creates_dependencies_before_dependents() -> None:
    created: list[str] = []

    @stamp()
    class First(Component):
        def __init__(self) -> None:
            created.append("First")

    @stamp(First)
    class Second(Component):
        def __init__(self, first: First) -> None:
            created.append("Second")

    @stamp(Second, First)
    class Third(Component):
        def __init__(self, second: Second, first: First) -> None:
            created.append("Third")

    loaded(Third)
    assert created == ["First", "Second", "Third"]


def test_dependency_instances_are_passed_to_the_constructor() -> None:
    engine = Engine("Turbo v8")
    injector = loaded(Driver, prims=(engine,))
    driver = injector.ref(Driver)
    assert isinstance(driver, Driver)
    assert driver.car is injector.ref(Car)
    assert driver.car.engine is engine


def test_dependency_not_added_explicitly_can_be_referenced_after_load() -> None:
    injector = loaded(Nozzle)
    assert isinstance(injector.ref(Pump), Pump)


def test_shared_dependency_is_created_once_for_two_dependents() -> None:
    injector = loaded(Garden)
    garden = injector.ref(Garden)
    assert garden.nozzle.pump is garden.sprinkler.pump
    assert garden.nozzle.pump is injector.ref(Pump)


def test_each_component_constructor_runs_once() -> None:
    calls: list[int] = []

    @stamp()
    class Counted(Component):
        def __init__(self) -> None:
            calls.append(1)

    @stamp(Counted)
    class UserA(Component):
        def __init__(self, counted: Counted) -> None:
            pass

    @stamp(Counted)
    class UserB(Component):
        def __init__(self, counted: Counted) -> None:
            pass

    injector = loaded(UserA, UserB, Counted)
    injector.load()
    assert calls == [1]


def test_ref_returns_the_same_instance_every_time() -> None:
    injector = loaded(Pump)
    assert injector.ref(Pump) is injector.ref(Pump)


def test_two_injectors_do_not_share_instances() -> None:
    assert loaded(Pump).ref(Pump) is not loaded(Pump).ref(Pump)


def test_adding_a_component_after_load_needs_another_load() -> None:
    injector = loaded(Pump)
    injector.add_com(Nozzle)
    with pytest.raises(InjectorLoadingError, match="Nozzle"):
        injector.ref(Nozzle)
    injector.load()
    assert injector.ref(Nozzle).pump is injector.ref(Pump)


def test_explicitly_added_base_class_is_created_whatever_the_add_order() -> None:
    # Kernel bug: Injector._create() returns any instance of a subclass via
    # _find_instance(), so when Sub is created first Base is never created.
    @stamp()
    class Base(Component):
        pass

    @stamp()
    class Sub(Base):
        pass

    injector = loaded(Sub, Base)
    assert type(injector.ref(Base)) is Base
    assert {type(o) for o in injector.sub_ref(Base)} == {Base, Sub}


# -- primitives ----------------------------------------------------------------


def test_primitive_dependency_receives_the_added_instance() -> None:
    engine = Engine("V12")
    injector = loaded(Car, prims=(engine,))
    assert injector.ref(Engine) is engine
    assert injector.ref(Car).engine is engine


def test_primitive_dependency_can_be_satisfied_by_a_subclass_instance() -> None:
    class Diesel(Engine):
        pass

    diesel = Diesel("D4")
    assert loaded(Car, prims=(diesel,)).ref(Car).engine is diesel


def test_add_com_of_a_primitive_class_raises_prim_error() -> None:
    with pytest.raises(PrimError, match="Engine") as info:
        Injector().add_com(Engine)
    assert info.value.prim_type is Engine


def test_add_prim_of_a_component_instance_raises_com_type_error() -> None:
    with pytest.raises(ComTypeError, match="Pump"):
        Injector().add_prim(Pump())


def test_add_prim_of_a_primitive_class_raises_com_type_error() -> None:
    with pytest.raises(ComTypeError, match="Engine"):
        Injector().add_prim(Engine)


def test_add_prim_error_names_the_class_even_with_a_custom_repr() -> None:
    # Kernel bug: Injector.add_prim() formats the object with !r instead of
    # naming its class, so a custom __repr__ hides the offending type.
    class Gadget(Component):
        def __repr__(self) -> str:
            return "<gadget>"

    with pytest.raises(ComTypeError, match="Gadget"):
        Injector().add_prim(Gadget())


def test_add_prim_of_a_plain_object_raises_com_type_error() -> None:
    with pytest.raises(ComTypeError, match="Primitive"):
        Injector().add_prim("not a primitive")


def test_a_primitive_with_a_default_is_made_from_it_when_none_was_added() -> None:
    class Options(Primitive):
        def __init__(self, flags: tuple[str, ...] = ()) -> None:
            self.flags = flags

        @classmethod
        def default(cls) -> Options:
            return cls(("none given",))

    @stamp(Options)
    class User(Service):
        def __init__(self, options: Options) -> None:
            self.options = options

    made = loaded(User).ref(User)
    assert made.options.flags == ("none given",)
    given = Options(("mine",))
    assert loaded(User, prims=(given,)).ref(User).options is given  # an added one wins


def test_adding_the_same_primitive_type_twice_raises_com_exist_error() -> None:
    injector = Injector()
    injector.add_prim(Engine("a"))
    with pytest.raises(ComExistError, match="Engine"):
        injector.add_prim(Engine("b"))


def test_missing_primitive_raises_prim_error_naming_the_needer() -> None:
    injector = Injector()
    injector.add_com(Driver)
    with pytest.raises(PrimError) as info:
        injector.load()
    assert info.value.prim_type is Engine
    assert "Engine" in str(info.value)
    assert "Car" in str(info.value)  # the component that needs it, not Driver


# -- errors while adding ----------------------------------------------------------


def test_add_com_of_a_non_component_class_raises_com_type_error() -> None:
    @stamp()
    class Plain:
        pass

    with pytest.raises(ComTypeError, match="Plain") as info:
        Injector().add_com(Plain)
    assert info.value.com_type is Plain


@pytest.mark.parametrize("value", [Pump(), "Pump", 42])
def test_add_com_of_a_non_class_raises_com_type_error(value: object) -> None:
    with pytest.raises(ComTypeError) as info:
        Injector().add_com(value)  # type: ignore[arg-type]
    assert repr(value) in str(info.value)


def test_unstamped_component_without_constructor_arguments_needs_no_stamp() -> None:
    class Plain(Component):
        pass

    @stamp(Plain)
    class User(Component):
        def __init__(self, plain: Plain) -> None:
            self.plain = plain

    injector = Injector()
    injector.add_com(Plain)
    injector.add_com(User)
    injector.load()
    assert injector.ref(User).plain is injector.ref(Plain)


def test_add_com_of_an_unstamped_component_with_arguments_raises_com_attr_error() -> None:
    class Unstamped(Component):
        def __init__(self, pump: Pump) -> None:
            self.pump = pump

    with pytest.raises(ComAttrError, match=r"Unstamped.*takes arguments") as info:
        Injector().add_com(Unstamped)
    assert info.value.com_type is Unstamped


def test_stamp_of_a_parent_does_not_make_the_subclass_stamped() -> None:
    class Child(Nozzle):
        pass

    with pytest.raises(ComAttrError, match="Child"):
        Injector().add_com(Child)


def test_unstamped_dependency_raises_com_attr_error_at_load() -> None:
    class Loose(Component):
        def __init__(self, pump: Pump) -> None:
            self.pump = pump

    @stamp(Loose)
    class Holder(Component):
        def __init__(self, loose: Loose) -> None:
            pass

    injector = Injector()
    injector.add_com(Holder)
    with pytest.raises(ComAttrError, match="Loose"):
        injector.load()


def test_adding_a_component_twice_raises_com_exist_error() -> None:
    injector = Injector()
    injector.add_com(Pump)
    with pytest.raises(ComExistError, match="Pump") as info:
        injector.add_com(Pump)
    assert info.value.com_type is Pump


def test_add_coms_adds_every_class() -> None:
    injector = Injector()
    injector.add_coms([Pump, Nozzle])
    injector.load()
    assert injector.ref(Nozzle).pump is injector.ref(Pump)


def test_add_coms_rejects_a_duplicate_in_the_list() -> None:
    with pytest.raises(ComExistError, match="Pump"):
        Injector().add_coms([Pump, Nozzle, Pump])


# -- errors while loading ---------------------------------------------------------


def test_cycle_raises_circle_com_error_naming_the_cycle() -> None:
    class CycleA(Component):
        def __init__(self, b: object) -> None:
            pass

    @stamp(CycleA)
    class CycleB(Component):
        def __init__(self, a: object) -> None:
            pass

    stamp(CycleB)(CycleA)
    injector = Injector()
    injector.add_com(CycleA)
    with pytest.raises(CircleComError) as info:
        injector.load()
    assert info.value.com_types == [CycleA, CycleB, CycleA]
    message = str(info.value)
    assert "CycleA" in message
    assert "CycleB" in message
    assert message.index("CycleA") < message.index("CycleB") < message.rindex("CycleA")


def test_component_depending_on_itself_raises_circle_com_error() -> None:
    class Selfish(Component):
        def __init__(self, me: object) -> None:
            pass

    stamp(Selfish)(Selfish)
    injector = Injector()
    injector.add_com(Selfish)
    with pytest.raises(CircleComError, match="Selfish") as info:
        injector.load()
    assert info.value.com_types == [Selfish, Selfish]


def test_failing_constructor_raises_com_creation_error_chaining_the_cause() -> None:
    @stamp()
    class Fragile(Component):
        def __init__(self) -> None:
            raise RuntimeError("disk on fire")

    injector = Injector()
    injector.add_com(Fragile)
    with pytest.raises(ComCreationError) as info:
        injector.load()
    assert info.value.com_type is Fragile
    assert isinstance(info.value.__cause__, RuntimeError)
    assert "Fragile" in str(info.value)
    assert "disk on fire" in str(info.value)


def test_stamp_with_too_many_dependencies_raises_com_depedency_error() -> None:
    @stamp(Pump)
    class TakesNothing(Component):
        pass

    injector = Injector()
    injector.add_com(TakesNothing)
    with pytest.raises(ComDepedencyError, match="TakesNothing") as info:
        injector.load()
    assert info.value.com_type is TakesNothing


def test_stamp_with_too_few_dependencies_raises_com_depedency_error() -> None:
    @stamp(Pump)
    class TakesTwo(Component):
        def __init__(self, pump: Pump, other: object) -> None:
            pass

    injector = Injector()
    injector.add_com(TakesTwo)
    with pytest.raises(ComDepedencyError, match="TakesTwo"):
        injector.load()


def test_dependency_that_is_not_a_component_raises_com_depedency_error() -> None:
    @stamp(dict)
    class WantsDict(Component):
        def __init__(self, d: dict) -> None:
            pass

    injector = Injector()
    injector.add_com(WantsDict)
    with pytest.raises(ComDepedencyError, match="WantsDict") as info:
        injector.load()
    assert "dict" in str(info.value)


# -- ref / sub_ref ----------------------------------------------------------------


def test_ref_before_load_raises_injector_loading_error() -> None:
    injector = Injector()
    injector.add_com(Pump)
    with pytest.raises(InjectorLoadingError, match="Pump"):
        injector.ref(Pump)


def test_ref_of_a_dependency_before_load_raises_injector_loading_error() -> None:
    # Kernel bug: Injector.ref() raises InjectorLoadingError only for classes
    # added with add_com(); a dependency it will create on load() gets
    # ComDepedencyError "is not managed by this injector; add it first".
    injector = Injector()
    injector.add_com(Nozzle)
    with pytest.raises(InjectorLoadingError, match="Pump"):
        injector.ref(Pump)


def test_ref_of_an_unmanaged_component_raises_com_depedency_error() -> None:
    injector = loaded(Pump)
    with pytest.raises(ComDepedencyError, match="Nozzle") as info:
        injector.ref(Nozzle)
    assert info.value.com_type is Nozzle


def test_ref_of_a_base_class_returns_the_subclass_instance() -> None:
    @stamp()
    class MailService(Service):
        pass

    assert isinstance(loaded(MailService).ref(Service), MailService)


def test_sub_ref_returns_instances_of_subclasses_only() -> None:
    @stamp()
    class MailService(Service):
        pass

    @stamp()
    class DbService(Service):
        pass

    @stamp()
    class HomeCtl(Controller):
        pass

    injector = loaded(MailService, DbService, HomeCtl)
    services = injector.sub_ref(Service)
    assert sorted(type(s).__name__ for s in services) == ["DbService", "MailService"]
    assert injector.ref(MailService) in services
    assert [type(c) for c in injector.sub_ref(Controller)] == [HomeCtl]


def test_sub_ref_includes_primitives() -> None:
    engine = Engine("e")
    assert loaded(Car, prims=(engine,)).sub_ref(Primitive) == [engine]


def test_sub_ref_with_no_match_is_empty() -> None:
    assert loaded(Pump).sub_ref(Service) == []


def test_component_errors_share_a_base_class() -> None:
    for error in (
        CircleComError,
        ComAttrError,
        ComCreationError,
        ComDepedencyError,
        ComExistError,
        ComTypeError,
        InjectorLoadingError,
        PrimError,
    ):
        assert issubclass(error, ComError)


# -- find -------------------------------------------------------------------------


def fake_module() -> types.ModuleType:
    module = types.ModuleType("fake_services")

    @stamp()
    class SmtpService(Service):
        pass

    @stamp()
    class AccService(Service):
        pass

    class DraftService(Service):  # not stamped
        pass

    @stamp()
    class BookCtl(Controller):
        pass

    module.Service = Service  # re-exported marker, not stamped
    module.SmtpService = SmtpService
    module.AccService = AccService
    module.DraftService = DraftService
    module.BookCtl = BookCtl
    module.helper = len
    module.answer = 42
    return module


def test_find_lists_only_stamped_subclasses_in_name_order() -> None:
    found = find(fake_module(), Service)
    assert [c.__name__ for c in found] == ["AccService", "SmtpService"]


def test_find_defaults_to_every_component() -> None:
    found = find(fake_module())
    assert [c.__name__ for c in found] == ["AccService", "BookCtl", "SmtpService"]


def test_find_in_a_module_without_components_is_empty() -> None:
    assert find(types.ModuleType("empty")) == []


def test_find_rejects_a_non_module() -> None:
    with pytest.raises(TypeError, match="dict"):
        find({"Pump": Pump})  # type: ignore[arg-type]


# -- stamps -----------------------------------------------------------------------


def test_write_stamp_then_read_stamp_returns_the_value() -> None:
    class Note:
        pass

    value = {"text": "fix me"}
    write_stamp(Note, "note", value)
    assert read_stamp(Note, "note") is value


def test_write_stamp_overwrites_and_keeps_other_keys() -> None:
    class Note:
        pass

    write_stamp(Note, "a", 1)
    write_stamp(Note, "b", 2)
    write_stamp(Note, "a", 3)
    assert (read_stamp(Note, "a"), read_stamp(Note, "b")) == (3, 2)


def test_read_stamp_of_a_missing_key_is_none() -> None:
    class Note:
        pass

    assert read_stamp(Note, "nothing") is None
    write_stamp(Note, "other", 1)
    assert read_stamp(Note, "nothing") is None


def test_stamps_work_on_functions() -> None:
    def handler() -> None:
        pass

    write_stamp(handler, "route", "/x")
    assert read_stamp(handler, "route") == "/x"


def test_stamps_are_not_inherited_by_subclasses() -> None:
    class Parent:
        pass

    write_stamp(Parent, "note", "parent")

    class Child(Parent):
        pass

    assert read_stamp(Child, "note") is None
    write_stamp(Child, "note", "child")
    assert read_stamp(Parent, "note") == "parent"
    assert read_stamp(Child, "note") == "child"


def test_stamps_of_a_class_are_not_seen_on_its_instances() -> None:
    class Note:
        pass

    write_stamp(Note, "note", "class")
    assert read_stamp(Note(), "note") is None


def test_stamp_on_a_wrapper_does_not_leak_to_the_wrapped_function() -> None:
    # Kernel bug: functools.wraps copies __dict__, so the wrapper shares the
    # wrapped function's stamp dict and write_stamp() mutates both
    # (dflow.verify does exactly this).
    def original() -> None:
        pass

    write_stamp(original, "route", "/a")

    @functools.wraps(original)
    def wrapper() -> None:
        pass

    write_stamp(wrapper, "schemas", {})
    assert read_stamp(original, "schemas") is None


def test_write_stamp_on_an_object_without_attributes_raises_type_error() -> None:
    with pytest.raises(TypeError, match="stamp"):
        write_stamp(42, "note", "x")


def test_stamp_records_dependencies_in_order() -> None:
    @stamp(Pump, Engine)
    class Both(Component):
        pass

    assert read_stamp(Both, "deps") == (Pump, Engine)
    assert read_stamp(Pump, "deps") == ()


def test_stamp_returns_the_class_itself() -> None:
    class Target(Component):
        pass

    assert stamp()(Target) is Target


@pytest.mark.parametrize("target", [lambda: None, Pump(), "Pump"])
def test_stamp_of_a_non_class_raises_com_type_error(target: object) -> None:
    with pytest.raises(ComTypeError, match="classes"):
        stamp()(target)  # type: ignore[type-var]


def test_stamp_with_a_non_class_dependency_raises_com_type_error() -> None:
    with pytest.raises(ComTypeError, match="'Pump'"):
        stamp("Pump")  # type: ignore[arg-type]


# -- Version ----------------------------------------------------------------------


def test_version_str() -> None:
    assert str(Version(0, 1, 0)) == "0.1.0"


def test_version_parse_roundtrip() -> None:
    version = Version.parse("1.20.3")
    assert (version.major, version.minor, version.rev) == (1, 20, 3)
    assert str(version) == "1.20.3"


def test_version_equality_and_hash() -> None:
    assert Version.parse("0.1.0") == Version(0, 1, 0)
    assert hash(Version.parse("0.1.0")) == hash(Version(0, 1, 0))
    assert Version(0, 1, 0) != Version(0, 1, 1)
    assert Version(0, 1, 0) != "0.1.0"


def test_version_ordering_is_numeric_per_part() -> None:
    ordered = [Version(0, 1, 0), Version(0, 2, 0), Version(0, 10, 0), Version(1, 0, 0)]
    assert sorted(reversed(ordered)) == ordered
    assert Version(0, 9, 9) < Version(0, 10, 0)
    assert Version(1, 0, 0) > Version(0, 99, 99)
    assert Version(1, 2, 3) <= Version(1, 2, 3)
    assert Version(1, 2, 4) >= Version(1, 2, 3)


def test_version_cannot_be_ordered_against_a_string() -> None:
    with pytest.raises(TypeError):
        _ = Version(0, 1, 0) < "0.2.0"  # type: ignore[operator]


@pytest.mark.parametrize(
    "text", ["", "1", "1.2", "1.2.3.4", "a.b.c", "1.2.x", "-1.2.3", "1..3", "v1.2.3", "1.2.3-rc"]
)
def test_version_parse_rejects_bad_text(text: str) -> None:
    with pytest.raises(ValueError, match="version"):
        Version.parse(text)


def test_version_parse_rejects_a_non_string() -> None:
    with pytest.raises(ValueError):
        Version.parse(123)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("parts", "label"),
    [((-1, 0, 0), "major"), ((0, -1, 0), "minor"), ((0, 0, 1.5), "rev"), ((True, 0, 0), "major")],
)
def test_version_rejects_bad_parts(parts: tuple[int, int, int], label: str) -> None:
    with pytest.raises(ValueError, match=label):
        Version(*parts)


# -- AppConf ----------------------------------------------------------------------


def test_app_conf_defaults() -> None:
    conf = AppConf("book-api")
    assert conf.name == "book-api"
    assert conf.license == "?"
    assert conf.version == Version(0, 1, 0)
    assert conf.org_name == "?"
    assert conf.org_addr == "?"
    assert conf.max_body == 1024 * 1024


def test_app_conf_is_a_primitive_for_the_injector() -> None:
    conf = AppConf("book-api")
    injector = Injector()
    injector.add_prim(conf)
    assert injector.ref(AppConf) is conf


def test_app_conf_keeps_given_values() -> None:
    conf = AppConf("a", "MIT", Version(2, 0, 1), "Org", "Street 1", max_body=0)
    assert (conf.license, str(conf.version), conf.org_name, conf.org_addr, conf.max_body) == (
        "MIT",
        "2.0.1",
        "Org",
        "Street 1",
        0,
    )


def test_app_conf_from_env_reads_every_variable() -> None:
    conf = AppConf.from_env(
        {
            "CLINK_APP_NAME": "shop",
            "CLINK_APP_LICENSE": "MIT",
            "CLINK_APP_VERSION": "1.2.3",
            "CLINK_ORG_NAME": "Mars",
            "CLINK_ORG_ADDR": "Olympus Mons",
            "CLINK_MAX_BODY": "2048",
        }
    )
    assert conf.name == "shop"
    assert conf.license == "MIT"
    assert conf.version == Version(1, 2, 3)
    assert conf.org_name == "Mars"
    assert conf.org_addr == "Olympus Mons"
    assert conf.max_body == 2048


def test_app_conf_from_env_uses_defaults_for_missing_variables() -> None:
    conf = AppConf.from_env({}, name="fallback")
    assert conf.name == "fallback"
    assert conf.version == Version(0, 1, 0)
    assert conf.max_body == 1024 * 1024
    assert (conf.license, conf.org_name, conf.org_addr) == ("?", "?", "?")


def test_app_conf_from_env_prefers_the_variable_to_the_default_name() -> None:
    assert AppConf.from_env({"CLINK_APP_NAME": "env"}, name="fallback").name == "env"


def test_app_conf_from_env_reads_os_environ_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLINK_APP_NAME", "from-os")
    monkeypatch.setenv("CLINK_MAX_BODY", "7")
    conf = AppConf.from_env()
    assert (conf.name, conf.max_body) == ("from-os", 7)


def test_app_conf_from_env_without_a_name_raises_conf_error() -> None:
    with pytest.raises(ConfError, match="CLINK_APP_NAME"):
        AppConf.from_env({})


@pytest.mark.parametrize("raw", ["big", "1.5", ""])
def test_app_conf_from_env_rejects_a_non_numeric_max_body(raw: str) -> None:
    with pytest.raises(ConfError, match="CLINK_MAX_BODY"):
        AppConf.from_env({"CLINK_MAX_BODY": raw}, name="x")


def test_app_conf_from_env_rejects_a_negative_max_body() -> None:
    with pytest.raises(ConfError, match="max_body"):
        AppConf.from_env({"CLINK_MAX_BODY": "-1"}, name="x")


def test_app_conf_from_env_rejects_a_bad_version() -> None:
    with pytest.raises(ConfError, match="CLINK_APP_VERSION"):
        AppConf.from_env({"CLINK_APP_VERSION": "1.2"}, name="x")


def test_conf_error_is_a_value_error() -> None:
    assert issubclass(ConfError, ValueError)


@pytest.mark.parametrize("name", ["", "   ", "a/b", ".", "..", "a\x00b", 42, None])
def test_app_conf_rejects_a_bad_name(name: object) -> None:
    with pytest.raises(ConfError, match="name"):
        AppConf(name)  # type: ignore[arg-type]


@pytest.mark.parametrize("version", ["0.1.0", (0, 1, 0), 1])
def test_app_conf_rejects_a_version_that_is_not_a_version(version: object) -> None:
    with pytest.raises(ConfError, match="version"):
        AppConf("x", version=version)  # type: ignore[arg-type]


@pytest.mark.parametrize("max_body", [-1, 1.5, "10", True, None])
def test_app_conf_rejects_a_bad_max_body(max_body: object) -> None:
    with pytest.raises(ConfError, match="max_body"):
        AppConf("x", max_body=max_body)  # type: ignore[arg-type]


def test_configuration_errors_from_a_constructor_pass_through_unwrapped() -> None:
    @stamp()
    class Picky(Component):
        def __init__(self) -> None:
            raise ConfError("CLINK_PICKY must be set")

    injector = Injector()
    injector.add_com(Picky)
    with pytest.raises(ConfError, match="CLINK_PICKY"):
        injector.load()
