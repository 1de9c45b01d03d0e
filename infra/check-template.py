#!/usr/bin/env python3
"""Security properties of template.yaml that cfn-lint and checkov do not check (issue #17,
"Security review findings"), asserted on the template as SAM renders it for CloudFormation.

Each check names the finding it guards; `make test` runs this after cfn-lint and checkov. It uses
the SAM translator that cfn-lint already installs (samtranslator), offline: no AWS call is made.
"""

import copy
import json
import logging
import os
import sys

from cfnlint.decode import decode_str
from samtranslator.translator.transform import transform


class _NoManagedPolicies:
    """The translator asks for AWS managed policy ARNs only when a function names one."""

    def load(self):
        return {}


def render(path):
    with open(path, encoding="utf-8") as f:
        template, matches = decode_str(f.read())
    if template is None:
        raise SystemExit(f"error: {path} is not valid YAML: {matches}")
    template = json.loads(json.dumps(template))
    source = copy.deepcopy(template)
    # `sam build` replaces the local CodeUri with the built artifact's S3 location; the translator
    # accepts only the latter.
    for resource in template["Resources"].values():
        if resource.get("Type") == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = "s3://artifacts/function.zip"
    os.environ.setdefault("AWS_DEFAULT_REGION", "ap-southeast-3")
    # The translator logs its feature toggles at INFO; only errors matter here.
    logging.getLogger("samtranslator").setLevel(logging.ERROR)
    return source, transform(template, {}, _NoManagedPolicies())


def of_type(resources, kind):
    return {k: v for k, v in resources.items() if v.get("Type") == kind}


def refs(value):
    """Every logical id a value refers to (Ref and GetAtt), however deep."""
    found = set()
    if isinstance(value, dict):
        if "Ref" in value and isinstance(value["Ref"], str):
            found.add(value["Ref"])
        if "Fn::GetAtt" in value:
            target = value["Fn::GetAtt"]
            found.add(target[0] if isinstance(target, list) else target.split(".")[0])
        for v in value.values():
            found |= refs(v)
    elif isinstance(value, list):
        for v in value:
            found |= refs(v)
    return found


def check(failures, condition, finding, detail):
    if not condition:
        failures.append(f"{finding}: {detail}")


def main(path):
    source, rendered = render(path)
    resources = rendered["Resources"]
    failures = []

    # Cognito: officers sign in with a second factor; the pool outlives the stack.
    pool = resources["OfficerUserPool"]
    props = pool["Properties"]
    check(failures, props.get("MfaConfiguration") == "ON", "Cognito MFA",
          f"OfficerUserPool MfaConfiguration is {props.get('MfaConfiguration')!r}, must be \"ON\"")
    check(failures, "SOFTWARE_TOKEN_MFA" in props.get("EnabledMfas", []), "Cognito MFA",
          "OfficerUserPool must enable SOFTWARE_TOKEN_MFA (TOTP)")
    check(failures, "ENFORCED" in json.dumps(props.get("UserPoolAddOns", {})), "Cognito threat protection",
          "OfficerUserPool must set UserPoolAddOns AdvancedSecurityMode ENFORCED (on the PLUS tier)")
    for policy in ("DeletionPolicy", "UpdateReplacePolicy"):
        check(failures, pool.get(policy) == "Retain", "Cognito retained",
              f"OfficerUserPool {policy} must be Retain")

    # Access logs: the path of /residents/{resident}/... is a phone number.
    api_stages = of_type(resources, "AWS::ApiGatewayV2::Stage")
    check(failures, bool(api_stages), "access logs", "no HTTP API stage rendered")
    for name, stage in api_stages.items():
        fmt = stage["Properties"].get("AccessLogSettings", {}).get("Format", "")
        for forbidden in ("$context.path", "$context.requestOverride", "$input", "querystring"):
            check(failures, forbidden not in fmt, "access logs",
                  f"{name} access log format logs {forbidden}")

    # Invoke permissions: every service principal is bound to its source.
    for name, permission in of_type(resources, "AWS::Lambda::Permission").items():
        p = permission["Properties"]
        check(failures, "SourceArn" in p, "invoke permission", f"{name} has no SourceArn")
        if p.get("Principal") == "s3.amazonaws.com":
            check(failures, "SourceAccount" in p, "invoke permission", f"{name} has no SourceAccount")

    # The bucket: object reads denied to every principal but the documents role (and break-glass).
    bucket_policies = [
        p["Properties"]["PolicyDocument"]
        for p in of_type(resources, "AWS::S3::BucketPolicy").values()
        if "DocumentsBucket" in refs(p["Properties"]["Bucket"])
    ]
    read_denials = [
        s for doc in bucket_policies for s in doc["Statement"]
        if s.get("Effect") == "Deny" and s.get("Principal") == "*"
        and "s3:GetObject" in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
        and "DocumentsFunctionRole" in refs(s.get("Condition", {}).get("ArnNotEquals", {}))
    ]
    check(failures, bool(read_denials), "bucket policy",
          "DocumentsBucket's policy must deny s3:GetObject to every principal whose ARN is not "
          "DocumentsFunctionRole (or the break-glass role)")

    # Safe deployments: each function shifts traffic through CodeDeploy, rolled back on its alarm.
    functions = [k for k, v in source["Resources"].items() if v.get("Type") == "AWS::Serverless::Function"]
    groups = of_type(resources, "AWS::CodeDeploy::DeploymentGroup")
    for function in functions:
        group = groups.get(f"{function}DeploymentGroup")
        check(failures, group is not None, "safe deployments",
              f"{function} has no DeploymentPreference (no CodeDeploy deployment group)")
        if group is None:
            continue
        g = group["Properties"]
        alarms = g.get("AlarmConfiguration", {})
        check(failures, alarms.get("Enabled") is True and bool(alarms.get("Alarms")), "safe deployments",
              f"{function}'s deployment is not watched by an alarm")
        rollback = json.dumps(g.get("AutoRollbackConfiguration", {}))
        check(failures, "DEPLOYMENT_STOP_ON_ALARM" in rollback, "safe deployments",
              f"{function}'s deployment does not roll back on its alarm")

    # Alarms: 4xx spikes on the API, table throttles, functions close to their timeout.
    alarms = of_type(resources, "AWS::CloudWatch::Alarm")
    metrics = json.dumps(list(alarms.values()))
    check(failures, '"MetricName": "4xx"' in metrics, "alarms", "no alarm on the API's 4xx")
    check(failures, "ThrottleEvents" in metrics, "alarms", "no alarm on the table's throttled requests")
    globals_timeout = source.get("Globals", {}).get("Function", {}).get("Timeout", 3)
    for function in functions:
        timeout_ms = 1000 * source["Resources"][function]["Properties"].get("Timeout", globals_timeout)
        duration_alarms = [
            a for a in alarms.values()
            if a["Properties"].get("MetricName") == "Duration"
            and function in refs(a["Properties"].get("Dimensions", []))
        ]
        check(failures, any(a["Properties"]["Threshold"] <= 0.9 * timeout_ms for a in duration_alarms),
              "alarms", f"no alarm on {function}'s duration nearing its {timeout_ms} ms timeout")

    # Audit archive (issue #17 section 3): a locked bucket every audit event is copied to, which
    # no function role can delete from, unlock or re-police.
    archives = [
        (name, b) for name, b in of_type(resources, "AWS::S3::Bucket").items()
        if b["Properties"].get("ObjectLockEnabled") is True
    ]
    check(failures, bool(archives), "audit archive", "no bucket with ObjectLockEnabled")
    tampering = ("s3:deleteobject", "s3:deleteobjectversion", "s3:putobjectretention",
                 "s3:bypassgovernanceretention", "s3:putbucketpolicy", "s3:putobjectlegalhold",
                 "s3:putbucketobjectlockconfiguration")
    for name, bucket in archives:
        lock = bucket["Properties"].get("ObjectLockConfiguration", {})
        retention = lock.get("Rule", {}).get("DefaultRetention", {})
        check(failures, lock.get("ObjectLockEnabled") == "Enabled" and retention.get("Mode") == "GOVERNANCE"
              and ("Years" in retention or "Days" in retention), "audit archive",
              f"{name} must lock every object by default (governance mode, a default retention)")
        check(failures, bucket.get("DeletionPolicy") == "Retain", "audit archive",
              f"{name} DeletionPolicy must be Retain")
        for role_name, role in of_type(resources, "AWS::IAM::Role").items():
            for policy in role["Properties"].get("Policies", []):
                for statement in policy["PolicyDocument"]["Statement"]:
                    if statement.get("Effect") != "Allow":
                        continue
                    resources_of = statement.get("Resource", [])
                    listed = resources_of if isinstance(resources_of, list) else [resources_of]
                    # By Ref/GetAtt, inside a Sub string, or every resource.
                    if name not in json.dumps(resources_of) and "*" not in listed:
                        continue
                    actions = statement.get("Action", [])
                    actions = [a.lower() for a in (actions if isinstance(actions, list) else [actions])]
                    for action in actions:
                        check(failures, not any(
                            action == t or (action.endswith("*") and t.startswith(action[:-1]))
                            for t in tampering), "audit archive",
                            f"{role_name} may {action} on {name}")
    # The table's stream brings every inserted audit event to the function that archives it.
    mappings = json.dumps(of_type(resources, "AWS::Lambda::EventSourceMapping"))
    check(failures, '\\"AUDIT\\"' in mappings, "audit archive",
          "no stream filter delivers AUDIT items (the archive's copies)")

    # The webhook writes only under its own partition-key prefixes (dynamodb:LeadingKeys).
    webhook_role = resources.get("WebhookFunctionRole", {}).get("Properties", {})
    write_actions = {"dynamodb:putitem", "dynamodb:updateitem", "dynamodb:deleteitem",
                     "dynamodb:batchwriteitem", "dynamodb:*"}
    writes = [
        st for policy in webhook_role.get("Policies", [])
        for st in policy["PolicyDocument"]["Statement"]
        if st.get("Effect") == "Allow" and write_actions & {
            a.lower() for a in (st["Action"] if isinstance(st["Action"], list) else [st["Action"]])}
    ]
    check(failures, bool(writes), "webhook LeadingKeys", "the webhook has no table write statement")
    for st in writes:
        keys = st.get("Condition", {}).get("ForAllValues:StringLike", {}).get("dynamodb:LeadingKeys")
        check(failures, bool(keys) and all(k.endswith("#*") for k in keys), "webhook LeadingKeys",
              f"{st.get('Sid')} lets the webhook write outside its key prefixes")

    if failures:
        for failure in failures:
            print(f"error: {failure}", file=sys.stderr)
        return 1
    print(f"template security checks: {path} passes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "template.yaml"))
