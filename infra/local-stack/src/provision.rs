//! Creates the table and the bucket in the emulator from `template.yaml`'s own resource
//! properties (see `template.rs`). Idempotent: an existing table or bucket is left as it is.

use crate::template::{Template, TemplateError};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, StreamSpecification, StreamViewType,
    TimeToLiveSpecification,
};
use aws_sdk_s3::types::{
    BucketLifecycleConfiguration, BucketLocationConstraint, BucketVersioningStatus,
    CorsConfiguration, CorsRule, CreateBucketConfiguration, DefaultRetention, ExpirationStatus,
    LifecycleExpiration, LifecycleRule, LifecycleRuleAndOperator, LifecycleRuleFilter,
    ObjectLockConfiguration, ObjectLockEnabled, ObjectLockRetentionMode, ObjectLockRule,
    PublicAccessBlockConfiguration, ServerSideEncryption, ServerSideEncryptionByDefault,
    ServerSideEncryptionConfiguration, ServerSideEncryptionRule, Tag, VersioningConfiguration,
};
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, thiserror::Error)]
pub enum ProvisionError {
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error("template property not understood: {0}")]
    Property(String),
    #[error("emulator call failed: {0}")]
    Emulator(String),
}

fn emulator<E: std::fmt::Display>(e: E) -> ProvisionError {
    ProvisionError::Emulator(e.to_string())
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TableProps {
    attribute_definitions: Vec<AttrDef>,
    key_schema: Vec<KeyDef>,
    #[serde(default)]
    global_secondary_indexes: Vec<GsiDef>,
    #[serde(default)]
    stream_specification: Option<StreamDef>,
    #[serde(default)]
    time_to_live_specification: Option<TtlDef>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AttrDef {
    attribute_name: String,
    attribute_type: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct KeyDef {
    attribute_name: String,
    key_type: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GsiDef {
    index_name: String,
    key_schema: Vec<KeyDef>,
    projection: ProjectionDef,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ProjectionDef {
    projection_type: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct StreamDef {
    stream_view_type: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TtlDef {
    attribute_name: String,
    enabled: bool,
}

fn keys(defs: &[KeyDef]) -> Result<Vec<KeySchemaElement>, ProvisionError> {
    defs.iter()
        .map(|k| {
            KeySchemaElement::builder()
                .attribute_name(&k.attribute_name)
                .key_type(KeyType::from(k.key_type.as_str()))
                .build()
                .map_err(emulator)
        })
        .collect()
}

/// Creates the `Table` resource as `table_name`.
pub async fn create_table(
    client: &aws_sdk_dynamodb::Client,
    template: &Template,
    table_name: &str,
) -> Result<(), ProvisionError> {
    let props: TableProps = serde_json::from_value(template.properties("Table")?)
        .map_err(|e| ProvisionError::Property(format!("Table: {e}")))?;
    let mut create = client
        .create_table()
        .table_name(table_name)
        .billing_mode(BillingMode::PayPerRequest)
        .set_key_schema(Some(keys(&props.key_schema)?));
    for attr in &props.attribute_definitions {
        create = create.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(&attr.attribute_name)
                .attribute_type(ScalarAttributeType::from(attr.attribute_type.as_str()))
                .build()
                .map_err(emulator)?,
        );
    }
    for gsi in &props.global_secondary_indexes {
        create = create.global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(&gsi.index_name)
                .set_key_schema(Some(keys(&gsi.key_schema)?))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::from(
                            gsi.projection.projection_type.as_str(),
                        ))
                        .build(),
                )
                .build()
                .map_err(emulator)?,
        );
    }
    if let Some(stream) = &props.stream_specification {
        create = create.stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::from(stream.stream_view_type.as_str()))
                .build()
                .map_err(emulator)?,
        );
    }
    match create.send().await {
        Ok(_) => {}
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_resource_in_use_exception()) =>
        {
            return Ok(());
        }
        Err(err) => return Err(emulator(aws_sdk_dynamodb::error::DisplayErrorContext(err))),
    }
    if let Some(ttl) = &props.time_to_live_specification {
        client
            .update_time_to_live()
            .table_name(table_name)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .attribute_name(&ttl.attribute_name)
                    .enabled(ttl.enabled)
                    .build()
                    .map_err(emulator)?,
            )
            .send()
            .await
            .map_err(|e| emulator(aws_sdk_dynamodb::error::DisplayErrorContext(e)))?;
    }
    Ok(())
}

/// Creates the `DocumentsBucket` resource as `bucket_name`, with its public-access block,
/// versioning, encryption and lifecycle rules.
/// Creates every SNS topic of the template, named `<prefix>-<logical id>` (CloudFormation
/// generates such names too); returns what `!Ref` gives for each: its ARN. CreateTopic is
/// idempotent by name, so a restarted stack finds its topics again.
pub async fn create_topics(
    client: &aws_sdk_sns::Client,
    template: &Template,
    prefix: &str,
) -> Result<std::collections::HashMap<String, String>, ProvisionError> {
    let mut arns = std::collections::HashMap::new();
    for id in template.resources_of_type("AWS::SNS::Topic") {
        let created = client
            .create_topic()
            .name(format!("{prefix}-{id}"))
            .send()
            .await
            .map_err(|e| emulator(aws_sdk_sns::error::DisplayErrorContext(e)))?;
        let arn = created
            .topic_arn()
            .ok_or_else(|| ProvisionError::Emulator(format!("CreateTopic {id}: no ARN")))?;
        arns.insert(id, arn.to_owned());
    }
    Ok(arns)
}

pub async fn create_bucket(
    client: &aws_sdk_s3::Client,
    template: &Template,
    bucket_name: &str,
) -> Result<(), ProvisionError> {
    create_bucket_from(client, template, "DocumentsBucket", bucket_name).await
}

/// Creates the `AuditArchiveBucket` resource as `bucket_name`: Object Lock with its default
/// retention (moto keeps governance-mode objects from deletion as S3 does), versioning,
/// encryption.
pub async fn create_audit_archive_bucket(
    client: &aws_sdk_s3::Client,
    template: &Template,
    bucket_name: &str,
) -> Result<(), ProvisionError> {
    create_bucket_from(client, template, "AuditArchiveBucket", bucket_name).await
}

async fn create_bucket_from(
    client: &aws_sdk_s3::Client,
    template: &Template,
    resource: &'static str,
    bucket_name: &str,
) -> Result<(), ProvisionError> {
    let props = template.properties(resource)?;
    let flag = |v: &Value, name: &str| v.get(name).and_then(Value::as_bool).unwrap_or(false);
    let region = client
        .config()
        .region()
        .map(|r| r.as_ref().to_owned())
        .unwrap_or_else(|| "us-east-1".to_owned());
    // Object Lock can only be turned on when the bucket is created.
    let mut create = client
        .create_bucket()
        .bucket(bucket_name)
        .object_lock_enabled_for_bucket(flag(&props, "ObjectLockEnabled"));
    // us-east-1 is the one region that takes no location constraint.
    if region != "us-east-1" {
        create = create.create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(region.as_str()))
                .build(),
        );
    }
    match create.send().await {
        Ok(_) => {}
        Err(err)
            if err.as_service_error().is_some_and(|e| {
                e.is_bucket_already_owned_by_you() || e.is_bucket_already_exists()
            }) =>
        {
            return Ok(());
        }
        Err(err) => return Err(emulator(aws_sdk_s3::error::DisplayErrorContext(err))),
    }
    if let Some(block) = props.get("PublicAccessBlockConfiguration") {
        client
            .put_public_access_block()
            .bucket(bucket_name)
            .public_access_block_configuration(
                PublicAccessBlockConfiguration::builder()
                    .block_public_acls(flag(block, "BlockPublicAcls"))
                    .block_public_policy(flag(block, "BlockPublicPolicy"))
                    .ignore_public_acls(flag(block, "IgnorePublicAcls"))
                    .restrict_public_buckets(flag(block, "RestrictPublicBuckets"))
                    .build(),
            )
            .send()
            .await
            .map_err(|e| emulator(aws_sdk_s3::error::DisplayErrorContext(e)))?;
    }
    if props["VersioningConfiguration"]["Status"] == "Enabled" {
        client
            .put_bucket_versioning()
            .bucket(bucket_name)
            .versioning_configuration(
                VersioningConfiguration::builder()
                    .status(BucketVersioningStatus::Enabled)
                    .build(),
            )
            .send()
            .await
            .map_err(|e| emulator(aws_sdk_s3::error::DisplayErrorContext(e)))?;
    }
    if let Some(Value::Array(rules)) =
        props.pointer("/BucketEncryption/ServerSideEncryptionConfiguration")
    {
        let mut config = ServerSideEncryptionConfiguration::builder();
        for rule in rules {
            let algorithm = rule
                .pointer("/ServerSideEncryptionByDefault/SSEAlgorithm")
                .and_then(Value::as_str)
                .unwrap_or("AES256");
            config = config.rules(
                ServerSideEncryptionRule::builder()
                    .apply_server_side_encryption_by_default(
                        ServerSideEncryptionByDefault::builder()
                            .sse_algorithm(ServerSideEncryption::from(algorithm))
                            .build()
                            .map_err(emulator)?,
                    )
                    .bucket_key_enabled(flag(rule, "BucketKeyEnabled"))
                    .build(),
            );
        }
        client
            .put_bucket_encryption()
            .bucket(bucket_name)
            .server_side_encryption_configuration(config.build().map_err(emulator)?)
            .send()
            .await
            .map_err(|e| emulator(aws_sdk_s3::error::DisplayErrorContext(e)))?;
    }
    if let Some(lock) = props.get("ObjectLockConfiguration") {
        client
            .put_object_lock_configuration()
            .bucket(bucket_name)
            .object_lock_configuration(object_lock(lock)?)
            .send()
            .await
            .map_err(|e| emulator(aws_sdk_s3::error::DisplayErrorContext(e)))?;
    }
    if let Some(Value::Array(rules)) = props.pointer("/LifecycleConfiguration/Rules") {
        let mut lifecycle = BucketLifecycleConfiguration::builder();
        for rule in rules {
            if let Some(rule) = expiry_rule(rule)? {
                lifecycle = lifecycle.rules(rule);
            }
        }
        client
            .put_bucket_lifecycle_configuration()
            .bucket(bucket_name)
            .lifecycle_configuration(lifecycle.build().map_err(emulator)?)
            .send()
            .await
            .map_err(|e| emulator(aws_sdk_s3::error::DisplayErrorContext(e)))?;
    }
    Ok(())
}

/// Applies the `CorsConfiguration` of `DocumentsBucket` with every rule's allowed origins
/// replaced by `origin`: deployed, they name the console's CloudFront address; locally the
/// console is served by the stack itself, so its browser uploads (presigned PUTs straight to the
/// bucket) come from the stack's own origin. Without the property nothing is set, and a browser
/// upload fails here as it would deployed. Run on every start (a put replaces the rules).
pub async fn apply_bucket_cors(
    client: &aws_sdk_s3::Client,
    template: &Template,
    bucket_name: &str,
    origin: &str,
) -> Result<(), ProvisionError> {
    let props = template.properties("DocumentsBucket")?;
    let Some(rules) = cors_rules(&props, origin)? else {
        return Ok(());
    };
    client
        .put_bucket_cors()
        .bucket(bucket_name)
        .cors_configuration(
            CorsConfiguration::builder()
                .set_cors_rules(Some(rules))
                .build()
                .map_err(emulator)?,
        )
        .send()
        .await
        .map_err(|e| emulator(aws_sdk_s3::error::DisplayErrorContext(e)))?;
    Ok(())
}

/// The S3 form of the bucket's CORS rules for `origin` (see [`apply_bucket_cors`]).
pub fn cors_rules(props: &Value, origin: &str) -> Result<Option<Vec<CorsRule>>, ProvisionError> {
    let Some(rules) = props.pointer("/CorsConfiguration/CorsRules") else {
        return Ok(None);
    };
    let Value::Array(rules) = rules else {
        return Err(ProvisionError::Property(
            "CorsConfiguration.CorsRules is not a list".into(),
        ));
    };
    let strings = |rule: &Value, name: &str| -> Vec<String> {
        rule.get(name)
            .and_then(Value::as_array)
            .map(|v| {
                v.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    for rule in rules {
        let methods = strings(rule, "AllowedMethods");
        if methods.is_empty() {
            return Err(ProvisionError::Property(
                "a CORS rule without AllowedMethods".into(),
            ));
        }
        let mut built = CorsRule::builder()
            .set_allowed_methods(Some(methods))
            .allowed_origins(origin)
            .set_allowed_headers(Some(strings(rule, "AllowedHeaders")))
            .set_expose_headers(Some(strings(rule, "ExposedHeaders")));
        if let Some(age) = rule.get("MaxAge").and_then(Value::as_i64) {
            built = built.max_age_seconds(i32::try_from(age).unwrap_or(i32::MAX));
        }
        out.push(built.build().map_err(emulator)?);
    }
    Ok(Some(out))
}

/// The S3 form of a CloudFormation `ObjectLockConfiguration` (a default retention in days or
/// years).
pub fn object_lock(lock: &Value) -> Result<ObjectLockConfiguration, ProvisionError> {
    let mut config = ObjectLockConfiguration::builder();
    if lock.get("ObjectLockEnabled").and_then(Value::as_str) == Some("Enabled") {
        config = config.object_lock_enabled(ObjectLockEnabled::Enabled);
    }
    if let Some(retention) = lock.pointer("/Rule/DefaultRetention") {
        let number = |name: &str| -> Result<Option<i32>, ProvisionError> {
            retention
                .get(name)
                .and_then(Value::as_i64)
                .map(|n| i32::try_from(n).map_err(emulator))
                .transpose()
        };
        let mode = retention
            .get("Mode")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                ProvisionError::Property("ObjectLockConfiguration: a retention without Mode".into())
            })?;
        config = config.rule(
            ObjectLockRule::builder()
                .default_retention(
                    DefaultRetention::builder()
                        .mode(ObjectLockRetentionMode::from(mode))
                        .set_days(number("Days")?)
                        .set_years(number("Years")?)
                        .build(),
                )
                .build(),
        );
    }
    Ok(config.build())
}

/// The S3 form of one CloudFormation lifecycle rule with `ExpirationInDays`; `None` for other
/// rules (only expiry matters locally: it shows the retention settings took effect). The filter
/// is built the way CloudFormation builds it: `Prefix` alone, one tag alone, or both (or several
/// tags) under `And`, so a tag-filtered rule keeps its tags locally.
pub fn expiry_rule(rule: &Value) -> Result<Option<LifecycleRule>, ProvisionError> {
    let Some(days) = rule.get("ExpirationInDays").and_then(Value::as_i64) else {
        return Ok(None);
    };
    let id = rule.get("Id").and_then(Value::as_str).unwrap_or("rule");
    let prefix = rule.get("Prefix").and_then(Value::as_str);
    let mut tags = Vec::new();
    if let Some(filters) = rule.get("TagFilters") {
        let Value::Array(filters) = filters else {
            return Err(ProvisionError::Property(format!(
                "lifecycle rule {id}: TagFilters is not a list"
            )));
        };
        for filter in filters {
            let field = |name: &str| {
                filter.get(name).and_then(Value::as_str).ok_or_else(|| {
                    ProvisionError::Property(format!(
                        "lifecycle rule {id}: a tag filter without {name}"
                    ))
                })
            };
            tags.push(
                Tag::builder()
                    .key(field("Key")?)
                    .value(field("Value")?)
                    .build()
                    .map_err(emulator)?,
            );
        }
    }
    let filter = match (prefix, tags.len()) {
        (prefix, 0) => LifecycleRuleFilter::builder()
            .prefix(prefix.unwrap_or(""))
            .build(),
        (None, 1) => LifecycleRuleFilter::builder().set_tag(tags.pop()).build(),
        (prefix, _) => LifecycleRuleFilter::builder()
            .and(
                LifecycleRuleAndOperator::builder()
                    .set_prefix(prefix.map(str::to_owned))
                    .set_tags(Some(tags))
                    .build(),
            )
            .build(),
    };
    let rule = LifecycleRule::builder()
        .id(id)
        .status(ExpirationStatus::Enabled)
        .filter(filter)
        .expiration(
            LifecycleExpiration::builder()
                .days(i32::try_from(days).map_err(emulator)?)
                .build(),
        )
        .build()
        .map_err(emulator)?;
    Ok(Some(rule))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cors_rules_take_the_local_origin_and_keep_the_rest() {
        let props = json!({"CorsConfiguration": {"CorsRules": [{
            "AllowedMethods": ["PUT"],
            "AllowedOrigins": [{"Fn::Sub": "https://${ConsoleDistribution.DomainName}"}],
            "AllowedHeaders": ["content-type", "if-none-match"],
            "MaxAge": 600
        }]}});
        let rules = cors_rules(&props, "http://127.0.0.1:3000")
            .unwrap()
            .unwrap();
        assert_eq!(rules.len(), 1);
        assert_eq!(rules[0].allowed_origins(), ["http://127.0.0.1:3000"]);
        assert_eq!(rules[0].allowed_methods(), ["PUT"]);
        assert_eq!(
            rules[0].allowed_headers(),
            ["content-type", "if-none-match"]
        );
        assert_eq!(rules[0].max_age_seconds(), Some(600));
        assert!(cors_rules(&json!({}), "http://x").unwrap().is_none());
        assert!(
            cors_rules(
                &json!({"CorsConfiguration": {"CorsRules": [{}]}}),
                "http://x"
            )
            .is_err()
        );
    }

    #[test]
    fn an_object_lock_keeps_its_mode_and_period() {
        let lock = object_lock(&json!({
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Years": 5}},
        }))
        .unwrap();
        assert_eq!(
            lock.object_lock_enabled(),
            Some(&ObjectLockEnabled::Enabled)
        );
        let retention = lock.rule().unwrap().default_retention().unwrap();
        assert_eq!(retention.mode(), Some(&ObjectLockRetentionMode::Governance));
        assert_eq!(retention.years(), Some(5));
        assert_eq!(retention.days(), None);
        assert!(object_lock(&json!({"Rule": {"DefaultRetention": {"Years": 5}}})).is_err());
    }

    #[test]
    fn a_prefix_rule_keeps_its_prefix() {
        let rule = expiry_rule(&json!({"Id": "r", "Prefix": "results/", "ExpirationInDays": 9}))
            .unwrap()
            .unwrap();
        let filter = rule.filter().unwrap();
        assert_eq!(filter.prefix(), Some("results/"));
        assert!(filter.and().is_none());
        assert_eq!(rule.expiration().unwrap().days(), Some(9));
    }

    #[test]
    fn a_prefix_and_tag_rule_becomes_an_and_filter() {
        let rule = expiry_rule(&json!({
            "Id": "expire-scans-long", "Prefix": "requests/", "ExpirationInDays": 1825,
            "TagFilters": [{"Key": "retention", "Value": "long"}],
        }))
        .unwrap()
        .unwrap();
        assert_eq!(rule.id(), Some("expire-scans-long"));
        let and = rule.filter().unwrap().and().unwrap();
        assert_eq!(and.prefix(), Some("requests/"));
        assert_eq!(and.tags().len(), 1);
        assert_eq!(and.tags()[0].key(), "retention");
        assert_eq!(and.tags()[0].value(), "long");
    }

    #[test]
    fn a_lone_tag_is_a_tag_filter_and_bad_tags_are_refused() {
        let rule = expiry_rule(&json!({
            "ExpirationInDays": 1, "TagFilters": [{"Key": "k", "Value": "v"}],
        }))
        .unwrap()
        .unwrap();
        assert_eq!(rule.filter().unwrap().tag().unwrap().value(), "v");
        assert!(
            expiry_rule(&json!({"ExpirationInDays": 1, "TagFilters": [{"Key": "k"}]})).is_err()
        );
        assert!(
            expiry_rule(&json!({"NoncurrentVersionExpiration": {}}))
                .unwrap()
                .is_none()
        );
    }
}
