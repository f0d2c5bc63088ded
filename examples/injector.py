"""Injector: primitives are added as instances, components are created in dependency order.

Port of the 2017 manual's ``injector.py`` example (``clink.com`` -> ``clink_core.com``).
"""

from clink_core.com import Component, Injector, Primitive, stamp


@stamp()
class Engine(Primitive):
    def __init__(self, name):
        self.name = name


@stamp(Engine)
class Car(Component):
    def __init__(self, engine):
        self.engine = engine

    def info(self):
        return f"A car with {self.engine.name} engine"


@stamp(Car)
class Human(Component):
    def __init__(self, car):
        self.car = car

    def drive(self):
        print(f"I drive {self.car.info()}")


engine = Engine("Turbo v8")
injector = Injector()

injector.add_prim(engine)
injector.add_com(Human)
injector.load()

car = injector.ref(Car)
print(car.info())

human = injector.ref(Human)
human.drive()
