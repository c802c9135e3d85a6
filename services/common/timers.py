"""A nameko timer whose interval the service's configuration may set.

``@timer(interval=...)`` fixes the interval when the class is defined; a sweep
that an operator wants to run more often (or a test that cannot wait an hour)
needs it from the configuration instead. ``configured_timer(key, default)``
reads ``key`` (seconds) from the container's config when the container sets
up, falling back to ``default``. Otherwise it is nameko's ``Timer``: not eager,
one run at a time per instance.
"""
from nameko.timer import Timer


class ConfiguredTimer(Timer):
    def __init__(self, config_key, default, **kwargs):
        self.config_key = config_key
        super().__init__(interval=default, **kwargs)

    def setup(self):
        value = self.container.config.get(self.config_key)
        if value not in (None, ""):
            interval = float(value)
            if interval <= 0:
                raise ValueError(f"{self.config_key} must be a positive number of seconds, not {value!r}")
            self.interval = interval
        super().setup()


configured_timer = ConfiguredTimer.decorator
