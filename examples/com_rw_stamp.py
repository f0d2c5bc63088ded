"""write_stamp() / read_stamp(): attach metadata to a class and read it back.

Port of the 2017 manual's ``com_rw_stamp.py`` example (``clink.com`` -> ``clink_core.com``).
"""

from clink_core.com import read_stamp, write_stamp


class BrokenCar:
    def boot(self):
        print("Oop!, something went wrong.")


write_stamp(BrokenCar, "note", "This cars can not boot. It must be fixs")
note = read_stamp(BrokenCar, "note")

print("class BrokenCar has a note:", note)
