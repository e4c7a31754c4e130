"""The integration feed of the local stack: a command's events reach `esctl tail`."""

from __future__ import annotations

from tests.e2e.conftest import Stack
from tests.e2e.helpers import Api


def test_tail_prints_the_events_of_a_deposit(stack: Stack) -> None:
    api = Api(stack.api, stack.operator)
    account = api.open("Tailed")
    assert api.post(f"/accounts/{account}/deposits", {"amount": 4200}).status_code == 201
    output = ""
    # The publisher polls the stream on its own schedule; a drained queue may simply be early.
    for _ in range(3):
        tailed = stack.esctl("tail", "--no-follow", "--idle-seconds", "2")
        assert tailed.returncode == 0, tailed.stderr
        output += tailed.stdout
        if f"Account-{account}/2" in output:
            break
    mine = [line.split(maxsplit=3) for line in output.splitlines() if f"Account-{account}/" in line]
    assert [fields[1:] for fields in sorted(mine, key=lambda f: f[2])] == [
        [
            "AccountOpened",
            f"Account-{account}/1",
            '{"owner":"Tailed","currency":"EUR",'
            '"owner_principal":"arn:aws:iam::123456789012:user/ledger-local-operator"}',
        ],
        ["Deposited", f"Account-{account}/2", '{"amount":4200}'],
    ]
    # What was printed was deleted: a second look shows none of it again.
    again = stack.esctl("tail", "--no-follow", "--idle-seconds", "0.5")
    assert f"Account-{account}/" not in again.stdout
