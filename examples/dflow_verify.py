"""verify(): check function and method arguments against JSON schemas.

Port of the 2017 manual's ``dflow_verify.py`` example (``clink.dflow`` ->
``clink_core.dflow``). Deliberate deviation: the error message names the
argument, the JSON pointer and the failed rule, but never echoes the submitted
value (it may be a password or an e-mail address).
"""

from clink_core.dflow import FormatError, verify

road_schema = {"type": "string", "pattern": "^[a-zA-Z0-9 ]{6,32}$"}


@verify(road_schema)
def run_car(road):
    print(f"Car is running on the {road}")


class Car:
    @verify(None, road_schema)
    def run(self, road):
        print(f"Car is running on the {road}")


try:
    car = Car()
    car.run("1st Hell Street")
    run_car("1st Hell Street @@@")
except FormatError as e:
    print("Error: ", e)
