from kubat.ocpi.services import new_token


def test_a_new_token_never_starts_like_a_command_line_option():
    tokens = [new_token() for _ in range(2000)]
    assert not [t for t in tokens if t.startswith("-")]
    assert len(set(tokens)) == len(tokens)
    assert {len(t) for t in tokens} == {43}
