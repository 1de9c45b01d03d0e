"""Renders the functions' IAM roles from template.yaml the way SAM deploys them (issue #16).

Run by the local stack at start (src/iam.rs) with the project's venv, never committed as output:
the SAM translator that aws-sam-cli ships turns each AWS::Serverless::Function into its role,
offline, with the inline statements, the expanded policy templates and the managed policies SAM
attaches (their documents come from moto's copy of AWS's managed policies). Intrinsics (!Sub,
!GetAtt, !Ref) are left as they are: the local stack resolves them to its own table, stream,
bucket and secret.

Usage: python render_iam.py template.yaml  (JSON on stdout)
"""

import json
import os
import sys

# The translator asks for a region (for ARNs it builds itself); the policies' own ARNs use
# ${AWS::Region}, which the local stack resolves.
os.environ.setdefault("AWS_DEFAULT_REGION", "ap-southeast-3")

from moto.iam.aws_managed_policies import aws_managed_policies_data  # noqa: E402
from samtranslator.translator.transform import transform  # noqa: E402
from samtranslator.yaml_helper import yaml_parse  # noqa: E402


class NoManagedPolicyNames:
    """Policies given by name (not ARN) would need IAM to resolve; the template uses none."""

    def load(self):
        return {}


def managed_document(arn):
    name = arn.rsplit("/", 1)[-1]
    data = json.loads(aws_managed_policies_data)
    if not arn.startswith("arn:aws:iam::aws:policy/") or name not in data:
        raise SystemExit(f"render_iam: no document known for managed policy {arn}")
    return data[name]["Document"]


def main(path):
    with open(path, encoding="utf-8") as f:
        template = yaml_parse(f.read())
    functions = [
        name
        for name, res in template.get("Resources", {}).items()
        if res.get("Type") == "AWS::Serverless::Function"
    ]
    # `sam validate` does the same: a local CodeUri is not an S3 URI, and is not what is checked.
    for name in functions:
        template["Resources"][name]["Properties"]["CodeUri"] = "s3://local/code"
    rendered = transform(template, {}, NoManagedPolicyNames())
    resources = rendered["Resources"]
    out = {}
    for name in functions:
        role_ref = resources[name]["Properties"].get("Role", {})
        role_id = role_ref.get("Fn::GetAtt", [None])[0] if isinstance(role_ref, dict) else None
        if role_id is None or resources.get(role_id, {}).get("Type") != "AWS::IAM::Role":
            raise SystemExit(f"render_iam: {name} has no role of its own")
        props = resources[role_id]["Properties"]
        policies = [
            {"name": p["PolicyName"], "document": p["PolicyDocument"]}
            for p in props.get("Policies", [])
        ]
        policies += [
            {"name": arn.rsplit("/", 1)[-1], "document": managed_document(arn)}
            for arn in props.get("ManagedPolicyArns", [])
        ]
        if props.get("PermissionsBoundary"):
            raise SystemExit(f"render_iam: {role_id} has a permissions boundary, not modelled")
        out[name] = {"role": role_id, "policies": policies}
    # What the local stack needs to resolve the intrinsics: parameter defaults, and the bucket's
    # name expression (the documents function's policy spells it out instead of !Ref).
    parameters = {
        name: str(p["Default"])
        for name, p in template.get("Parameters", {}).items()
        if "Default" in p
    }
    bucket_name = (
        template["Resources"].get("DocumentsBucket", {}).get("Properties", {}).get("BucketName")
    )
    json.dump(
        {"functions": out, "parameters": parameters, "bucket_name": bucket_name},
        sys.stdout,
        indent=1,
        sort_keys=True,
    )


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: render_iam.py template.yaml")
    main(sys.argv[1])
