from services.common.messaging import RetryPolicy


def test_back_off_grows_and_is_capped():
    policy = RetryPolicy(max_attempts=6, initial_delay=1, multiplier=4, max_delay=60)
    assert [policy.delay_ms(n) for n in range(1, 6)] == [1000, 4000, 16000, 60000, 60000]


def test_config_values_from_yaml_strings_are_coerced():
    policy = RetryPolicy.from_config({"max_attempts": "3", "initial_delay": "0.05", "unknown": 1})
    assert policy.max_attempts == 3 and policy.initial_delay == 0.05
