"""stamp(): mark classes as components and list their dependencies.

Port of the 2017 manual's ``com_stamp.py`` example (``clink.com`` -> ``clink_core.com``).
"""

from clink_core.com import Component, Injector, stamp


@stamp()
class Pump(Component):
    def run(self):
        print("Pump was started")


@stamp(Pump)
class Nozzle(Component):
    def __init__(self, pump):
        self._pump = pump

    def spray(self):
        self._pump.run()
        print("Nozzle is spraying")


injector = Injector()
injector.add_com(Nozzle)
injector.load()

nozzle = injector.ref(Nozzle)
nozzle.spray()
