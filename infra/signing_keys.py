"""An asymmetric KMS key that signs the ledger's statements (snapshots; digests use their own).

Signing is what makes a statement trustworthy, so the key policy itself (not only IAM) refuses
`kms:Sign` to every principal but the one signer: no IAM grant, `kms:*` included, lets anyone
else sign while the policy stands (changing it is an administrator's act CloudTrail records).
Anyone with `kms:GetPublicKey` can check; checking needs no further AWS access.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from infra import access
from infra.config import StackConfig


class SigningKey(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StackConfig,
        purpose: str,
        alias: str,
        removal_policy: cdk.RemovalPolicy | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.key = kms.Key(
            self,
            "Key",
            description=f"Signs the ledger's {purpose} ({config.stage})",
            key_spec=kms.KeySpec.ECC_NIST_P256,
            key_usage=kms.KeyUsage.SIGN_VERIFY,
            # esctl finds the key by alias, as it finds tables by name.
            alias=alias,
            removal_policy=removal_policy or config.removal_policy,
        )

    def allow_signing_by(self, signer: iam.IRole) -> None:
        """The one principal that may sign (call once)."""
        access.allow(signer, ("kms:Sign",), [self.key.key_arn])
        self.key.add_to_resource_policy(
            access.deny_to_all("OnlyTheSignerSigns", ["kms:Sign"], ["*"], unless=[signer])
        )

    def allow_checking_by(self, grantee: iam.IGrantable) -> None:
        access.allow(grantee, ("kms:GetPublicKey",), [self.key.key_arn])
