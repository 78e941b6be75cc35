//! Creating ccwb's resources idempotently: what ccwb-local does at start, from the same
//! definitions the deployed stacks use.

use std::time::Duration;

use aws_config::SdkConfig;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, CreateGlobalSecondaryIndexAction, GlobalSecondaryIndex,
    GlobalSecondaryIndexUpdate, IndexStatus, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType, TableStatus,
};

use ccwb_store::aws::{describe, endpoint_label, s3_client};
use ccwb_store::tables::{IndexSpec, TableSpec, all_tables};
use ccwb_store::{ResourceNames, StoreError};

/// What provisioning created that callers need to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provisioned {
    /// The ARN of the usage alert topic.
    pub alert_topic_arn: String,
}

/// Creates every table, the bucket, the Firehose stream, the alert topic and the deployment
/// parameter unless they exist; an existing table with a different key schema is an error, never
/// silently reused. `deployment` is the JSON description stored in the deployment parameter.
pub async fn provision(
    config: &SdkConfig,
    names: &ResourceNames,
    deployment: &str,
) -> Result<Provisioned, StoreError> {
    let stack = Provisioner {
        config,
        names,
        endpoint: endpoint_label(config),
    };

    let dynamodb = aws_sdk_dynamodb::Client::new(config);
    for table in all_tables(names) {
        stack.ensure_table(&dynamodb, &table).await?;
    }

    let s3 = s3_client(config);
    stack.ensure_bucket(&s3, &names.bucket).await?;
    stack.ensure_bucket(&s3, &names.packages_bucket).await?;
    stack.ensure_signer_secret().await?;

    stack.ensure_stream(&names.audit_stream, "audit/").await?;
    stack.ensure_stream(&names.usage_stream, "usage/").await?;

    // CreateTopic is idempotent: it returns the ARN of the topic whether or not it existed.
    let topic = aws_sdk_sns::Client::new(config)
        .create_topic()
        .name(names.alert_topic())
        .send()
        .await
        .map_err(|e| {
            stack.aws_error(format!("CreateTopic {}", names.alert_topic()), describe(&e))
        })?;
    let alert_topic_arn = topic.topic_arn.unwrap_or_default();

    let ssm = aws_sdk_ssm::Client::new(config);
    let parameter = names.deployment_parameter();
    ssm.put_parameter()
        .name(&parameter)
        .value(deployment)
        .r#type(aws_sdk_ssm::types::ParameterType::String)
        .overwrite(true)
        .send()
        .await
        .map_err(|e| stack.aws_error(format!("PutParameter {parameter}"), describe(&e)))?;
    Ok(Provisioned { alert_topic_arn })
}

/// Whether any of the tables is gone (DynamoDB answers `ResourceNotFoundException`), as when a
/// local moto restarted empty; other failures say nothing about that and count as present.
pub async fn tables_missing(config: &SdkConfig, names: &ResourceNames) -> bool {
    let dynamodb = aws_sdk_dynamodb::Client::new(config);
    for table in all_tables(names) {
        let described = dynamodb
            .describe_table()
            .table_name(&table.name)
            .send()
            .await;
        if described.is_err_and(|e| {
            e.as_service_error()
                .is_some_and(|e| e.is_resource_not_found_exception())
        }) {
            return true;
        }
    }
    false
}

/// What every step of provisioning needs: the AWS configuration, the names of the resources, and
/// the endpoint its errors name.
struct Provisioner<'a> {
    config: &'a SdkConfig,
    names: &'a ResourceNames,
    endpoint: String,
}

impl Provisioner<'_> {
    /// The error of AWS `operation` failing with `message`.
    fn aws_error(&self, operation: String, message: String) -> StoreError {
        StoreError::Aws {
            operation,
            endpoint: self.endpoint.clone(),
            message,
        }
    }

    async fn ensure_table(
        &self,
        client: &aws_sdk_dynamodb::Client,
        spec: &TableSpec,
    ) -> Result<(), StoreError> {
        let mut attributes = vec![spec.partition_key, spec.sort_key];
        for index in &spec.indexes {
            attributes.extend([index.partition_key, index.sort_key]);
        }
        attributes.sort_unstable();
        attributes.dedup();

        let mut request = client
            .create_table()
            .table_name(&spec.name)
            .billing_mode(BillingMode::PayPerRequest)
            .set_key_schema(Some(key_schema(spec.partition_key, spec.sort_key)?))
            .set_attribute_definitions(Some(string_attributes(attributes)?));
        for index in &spec.indexes {
            request = request.global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name(index.name)
                    .set_key_schema(Some(key_schema(index.partition_key, index.sort_key)?))
                    .projection(every_attribute())
                    .build()
                    .map_err(build_error)?,
            );
        }

        self.created_or_there(
            request.send().await,
            |e| e.is_resource_in_use_exception(),
            format!("CreateTable {}", spec.name),
        )?;
        self.wait_until_active(client, spec).await
    }

    /// Waits for the table to be usable and checks its keys match the definition.
    async fn wait_until_active(
        &self,
        client: &aws_sdk_dynamodb::Client,
        spec: &TableSpec,
    ) -> Result<(), StoreError> {
        for _ in 0..120 {
            let described = client
                .describe_table()
                .table_name(&spec.name)
                .send()
                .await
                .map_err(|e| {
                    self.aws_error(format!("DescribeTable {}", spec.name), describe(&e))
                })?;
            let Some(table) = described.table else {
                break;
            };
            let keys: Vec<&str> = table
                .key_schema()
                .iter()
                .map(|k| k.attribute_name())
                .collect();
            if keys != [spec.partition_key, spec.sort_key] {
                return Err(StoreError::Mismatch(format!(
                    "table {} exists with keys {keys:?}, expected [{:?}, {:?}]; \
                 delete it or point CCWB_STACK_NAME at another name",
                    spec.name, spec.partition_key, spec.sort_key
                )));
            }
            let existing: Vec<&str> = table
                .global_secondary_indexes()
                .iter()
                .filter_map(|i| i.index_name())
                .collect();
            let missing: Vec<&IndexSpec> = spec
                .indexes
                .iter()
                .filter(|i| !existing.contains(&i.name))
                .collect();
            let indexes_active = table.global_secondary_indexes().iter().all(|i| {
                i.index_status() == Some(&IndexStatus::Active) || i.index_status().is_none()
            });
            if table.table_status == Some(TableStatus::Active) && indexes_active {
                match missing.first() {
                    None => return Ok(()),
                    // A table from an earlier version lacks an index added since: add it (one at a
                    // time, as DynamoDB requires) rather than fail.
                    Some(index) => self.add_index(client, spec, index).await?,
                }
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        Err(StoreError::Mismatch(format!(
            "table {} did not become ACTIVE within 60 s",
            spec.name
        )))
    }

    async fn add_index(
        &self,
        client: &aws_sdk_dynamodb::Client,
        spec: &TableSpec,
        index: &IndexSpec,
    ) -> Result<(), StoreError> {
        let create = CreateGlobalSecondaryIndexAction::builder()
            .index_name(index.name)
            .set_key_schema(Some(key_schema(index.partition_key, index.sort_key)?))
            .projection(every_attribute())
            .build()
            .map_err(build_error)?;
        let keys = [index.partition_key, index.sort_key];
        client
            .update_table()
            .table_name(&spec.name)
            .global_secondary_index_updates(
                GlobalSecondaryIndexUpdate::builder().create(create).build(),
            )
            .set_attribute_definitions(Some(string_attributes(keys)?))
            .send()
            .await
            .map_err(|e| {
                self.aws_error(
                    format!("UpdateTable {} (add index {})", spec.name, index.name),
                    describe(&e),
                )
            })?;
        tracing::info!(table = %spec.name, index = index.name, "added index");
        Ok(())
    }

    async fn ensure_bucket(
        &self,
        client: &aws_sdk_s3::Client,
        bucket: &str,
    ) -> Result<(), StoreError> {
        let mut request = client.create_bucket().bucket(bucket);
        // us-east-1 is the one region that refuses an explicit location constraint.
        if let Some(region) = self
            .config
            .region()
            .map(|r| r.as_ref())
            .filter(|r| *r != "us-east-1")
        {
            request = request.create_bucket_configuration(
                aws_sdk_s3::types::CreateBucketConfiguration::builder()
                    .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::from(region))
                    .build(),
            );
        }
        self.created_or_there(
            request.send().await,
            |e| e.is_bucket_already_owned_by_you(),
            format!("CreateBucket {bucket}"),
        )
    }

    /// A Firehose stream into the bucket under `prefix` (by date).
    async fn ensure_stream(&self, stream: &str, prefix: &str) -> Result<(), StoreError> {
        use aws_sdk_firehose::types::{
            BufferingHints, DeliveryStreamType, ExtendedS3DestinationConfiguration,
        };
        let names = self.names;
        let firehose = aws_sdk_firehose::Client::new(self.config);
        let destination = ExtendedS3DestinationConfiguration::builder()
            .bucket_arn(format!("arn:aws:s3:::{}", names.bucket))
            // The local emulator does not assume roles; the CDK stack creates the real one.
            .role_arn(format!(
                "arn:aws:iam::123456789012:role/{}-firehose",
                names.stack
            ))
            .prefix(prefix)
            .buffering_hints(
                BufferingHints::builder()
                    .interval_in_seconds(60)
                    .size_in_mbs(1)
                    .build(),
            )
            .build()
            .map_err(|e| StoreError::Mismatch(format!("invalid stream definition: {e}")))?;
        let created = firehose
            .create_delivery_stream()
            .delivery_stream_name(stream)
            .delivery_stream_type(DeliveryStreamType::DirectPut)
            .extended_s3_destination_configuration(destination)
            .send()
            .await;
        self.created_or_there(
            created,
            |e| e.is_resource_in_use_exception(),
            format!("CreateDeliveryStream {stream}"),
        )
    }

    /// The outcome of a create call: created (logged), or there already (`exists` says which
    /// service error means that), else the error for `operation`.
    fn created_or_there<T, E, R>(
        &self,
        result: Result<T, aws_sdk_dynamodb::error::SdkError<E, R>>,
        exists: impl Fn(&E) -> bool,
        operation: String,
    ) -> Result<(), StoreError>
    where
        E: std::error::Error + aws_sdk_dynamodb::error::ProvideErrorMetadata + 'static,
        R: std::fmt::Debug,
    {
        match result {
            Ok(_) => {
                tracing::info!(%operation, "created");
                Ok(())
            }
            Err(err) if err.as_service_error().is_some_and(&exists) => Ok(()),
            Err(err) => Err(self.aws_error(operation, describe(&err))),
        }
    }

    /// The download-link signer's key. In AWS the CDK stack stores a dedicated IAM user's access key
    /// here; the local stack's endpoint accepts any key, so a fixed local one stands in.
    async fn ensure_signer_secret(&self) -> Result<(), StoreError> {
        let names = self.names;
        let secrets = aws_sdk_secretsmanager::Client::new(self.config);
        let value = serde_json::json!({
            "access_key_id": "ccwb-local-signer",
            "secret_access_key": "ccwb-local-signer-secret",
        });
        match secrets
            .create_secret()
            .name(&names.signer_secret)
            .description("ccwb download-link signer (local stand-in)")
            .secret_string(value.to_string())
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_resource_exists_exception()) =>
            {
                Ok(())
            }
            Err(err) => Err(self.aws_error(
                format!("CreateSecret {}", names.signer_secret),
                describe(&err),
            )),
        }
    }
}

/// Indexes project every attribute (the tables' readers need whole items).
fn every_attribute() -> Projection {
    Projection::builder()
        .projection_type(ProjectionType::All)
        .build()
}

/// The key schema of a table or index: `partition` (hash) and `sort` (range).
fn key_schema(partition: &str, sort: &str) -> Result<Vec<KeySchemaElement>, StoreError> {
    [(partition, KeyType::Hash), (sort, KeyType::Range)]
        .into_iter()
        .map(|(name, kind)| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(kind)
                .build()
                .map_err(build_error)
        })
        .collect()
}

/// The definitions of key attributes, all strings.
fn string_attributes<'a>(
    names: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<AttributeDefinition>, StoreError> {
    names
        .into_iter()
        .map(|name| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(build_error)
        })
        .collect()
}

fn build_error(err: aws_sdk_dynamodb::error::BuildError) -> StoreError {
    StoreError::Mismatch(format!("invalid table definition: {err}"))
}
