"""The ``clink.plugins`` entry point of clink-template.

It registers no hook: ``TemplateSv`` needs only ``AppConf``, so the injector
creates it for any component that depends on it. The entry point still makes
the plugin visible to ``clink plugins``.
"""
