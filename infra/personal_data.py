"""Where personal data's keys live: one table of data subjects' keys, each wrapped by a
symmetric KMS key. Erasing a subject deletes its item; point-in-time recovery keeps a deleted
key restorable for `subject_keys_recovery_days` (erasure is complete after that).

Both outlive the stack in every stage (losing them makes every sealed name unreadable), and the
key policy itself refuses to unwrap or make keys for every principal but the functions that
seal and reveal: no IAM grant, `kms:*` included, lets anyone else read a name while it stands.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from infra import access
from infra.config import StackConfig
from infra.resources import SUBJECT_KEYS, personal_data_key_alias
from infra.tables import table_from_spec

# What reading a subject's key takes, and what making one and destroying one take besides.
_REVEAL_KMS = ("kms:Decrypt",)
_SEAL_KMS = ("kms:GenerateDataKey", "kms:Decrypt")
_REVEAL_TABLE = ("dynamodb:BatchGetItem",)
_SEAL_TABLE = (*_REVEAL_TABLE, "dynamodb:PutItem", "dynamodb:DeleteItem")


class PersonalDataKeys(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: StackConfig) -> None:
        super().__init__(scope, construct_id)
        self.table = table_from_spec(
            self,
            "SubjectKeys",
            SUBJECT_KEYS,
            stage=config.stage,
            removal_policy=cdk.RemovalPolicy.RETAIN,
            deletion_protection=True,
            recovery_period_days=config.subject_keys_recovery_days,
        )
        self.key = kms.Key(
            self,
            "Key",
            description=f"Wraps the data subjects' keys of personal data ({config.stage})",
            enable_key_rotation=True,
            alias=personal_data_key_alias(config.stage),
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        self._users: list[iam.IRole] = []

    def allow_sealing_by(self, role: iam.IRole) -> None:
        """Seal (making a subject's key when it has none), reveal, and erase."""
        access.allow(role, _SEAL_TABLE, [self.table.table_arn])
        access.allow(role, _SEAL_KMS, [self.key.key_arn])
        self._users.append(role)

    def allow_revealing_by(self, role: iam.IRole) -> None:
        access.allow(role, _REVEAL_TABLE, [self.table.table_arn])
        access.allow(role, _REVEAL_KMS, [self.key.key_arn])
        self._users.append(role)

    def only_these_use_the_key(self) -> None:
        """Call once, after the grants: the key policy's Deny to everyone else."""
        actions = ["kms:Decrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"]
        self.key.add_to_resource_policy(
            access.deny_to_all("OnlyTheLedgerReadsNames", actions, ["*"], unless=self._users)
        )
