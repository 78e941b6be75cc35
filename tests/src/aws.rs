//! Seeding and reading moto directly through the AWS JSON protocol (moto checks no signatures),
//! so tests can set up stored state without going through the API under test.

use serde_json::{Value, json};

use crate::Local;

/// The `Authorization` header of a request to `service`: moto checks no signature, only the
/// credential's region and service.
pub fn authorization(service: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0"
    )
}

/// Calls a JSON-protocol AWS action (`DynamoDB_20120810.PutItem`, …) on `endpoint`.
pub async fn call(endpoint: &str, target: &str, service: &str, body: Value) -> Value {
    call_json(endpoint, target, service, "1.0", body).await
}

/// Calls a JSON-protocol AWS action of protocol version `version` (`1.0` for DynamoDB and SQS,
/// `1.1` for Firehose and Cognito) on `endpoint`; asserts success and returns the answer.
pub async fn call_json(
    endpoint: &str,
    target: &str,
    service: &str,
    version: &str,
    body: Value,
) -> Value {
    let response = reqwest::Client::new()
        .post(endpoint)
        .header("x-amz-target", target)
        .header("content-type", format!("application/x-amz-json-{version}"))
        .header("authorization", authorization(service))
        .body(body.to_string())
        .send()
        .await
        .expect("AWS request");
    let status = response.status();
    let value: Value = response.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{target}: {status} {value}");
    value
}

/// Calls a query-protocol AWS action (SNS, CloudFormation: `Action`, `Version` and the
/// parameters in `form`) on `endpoint`; asserts success and returns the XML answer.
pub async fn call_query(endpoint: &str, service: &str, form: &[(&str, &str)]) -> String {
    let response = reqwest::Client::new()
        .post(endpoint)
        .header("authorization", authorization(service))
        .form(form)
        .send()
        .await
        .expect("AWS request");
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    assert!(status.is_success(), "{form:?}: {status} {text}");
    text
}

/// `GET url` from S3 (a listing, an object): the body as text, empty when there is none.
async fn s3_text(url: &str) -> String {
    reqwest::Client::new()
        .get(url)
        .header("authorization", authorization("s3"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"))
        .text()
        .await
        .unwrap_or_default()
}

/// The usage table's sort key for this month (UTC), e.g. `MONTH#2026-11`.
pub fn month_sk() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!("MONTH#{:04}-{:02}", now.year(), now.month() as u8)
}

/// The usage table's sort key for the day `days_ago` days before today (UTC), e.g.
/// `DAY#2026-11-21`.
pub fn day_sk(days_ago: i64) -> String {
    let day = time::OffsetDateTime::now_utc() - time::Duration::days(days_ago);
    format!(
        "DAY#{:04}-{:02}-{:02}",
        day.year(),
        day.month() as u8,
        day.day()
    )
}

impl Local {
    /// Creates a CloudFormation stack in moto (query protocol) whose only use is `outputs`.
    pub async fn create_stack(&self, name: &str, outputs: &[(&str, &str)]) {
        let outputs: serde_json::Map<String, Value> = outputs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), json!({"Value": v})))
            .collect();
        let template = json!({
            "Resources": {"Marker": {"Type": "AWS::SSM::Parameter",
                "Properties": {"Type": "String", "Value": "x", "Name": format!("/test/{name}")}}},
            "Outputs": outputs,
        });
        let template = template.to_string();
        let params = [("StackName", name), ("TemplateBody", &template)];
        self.query(("cloudformation", "2010-05-15"), "CreateStack", &params)
            .await;
    }

    /// Creates IAM role `name` in moto trusting `trust` (a policy document); its ARN.
    pub async fn create_role(&self, name: &str, trust: &Value) -> String {
        let trust = trust.to_string();
        let params = [("RoleName", name), ("AssumeRolePolicyDocument", &trust)];
        let xml = self
            .query(("iam", "2010-05-08"), "CreateRole", &params)
            .await;
        xml.split_once("<Arn>")
            .and_then(|(_, rest)| rest.split_once("</Arn>"))
            .map(|(arn, _)| arn.to_owned())
            .unwrap_or_else(|| panic!("no role ARN in {xml}"))
    }

    /// Creates a Cognito identity pool in moto trusting the OpenID provider `provider_arn`;
    /// its id.
    pub async fn create_identity_pool(&self, name: &str, provider_arn: &str) -> String {
        let answer = call_json(
            &self.aws_endpoint,
            "AWSCognitoIdentityService.CreateIdentityPool",
            "cognito-identity",
            "1.1",
            json!({
                "IdentityPoolName": name,
                "AllowUnauthenticatedIdentities": false,
                "OpenIdConnectProviderARNs": [provider_arn],
            }),
        )
        .await;
        answer["IdentityPoolId"]
            .as_str()
            .unwrap_or_else(|| panic!("no IdentityPoolId in {answer}"))
            .to_owned()
    }

    /// The policies table's name.
    pub fn policies_table(&self) -> String {
        format!("{}-policies", self.stack)
    }

    /// The usage table's name.
    pub fn usage_table(&self) -> String {
        format!("{}-usage", self.stack)
    }

    /// The deployment's store as the functions use it, on this stack's AWS endpoint with
    /// moto's credentials: for reading what the API stored through the store's own reads.
    pub async fn store(&self) -> ccwb_store::DynamoStore {
        ccwb_store::DynamoStore::new(&self.sdk(&self.aws_endpoint).await, self.names())
    }

    /// The SDK configuration of the functions, on `endpoint` with moto's credentials.
    pub async fn sdk(&self, endpoint: &str) -> aws_config::SdkConfig {
        let credentials =
            aws_credential_types::Credentials::new("testing", "testing", None, None, "moto");
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .endpoint_url(endpoint)
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(credentials)
            .load()
            .await
    }

    /// The deployment's resource names, as the functions derive them from the stack name.
    pub fn names(&self) -> ccwb_store::ResourceNames {
        let stack = self.stack.clone();
        ccwb_store::ResourceNames::from_lookup(|n| (n == "CCWB_STACK_NAME").then(|| stack.clone()))
    }

    /// The `aws:userid` patterns of the deny statements attached to the developers' role
    /// (`--stacks` creates it), read from IAM directly: what IAM would evaluate.
    pub async fn role_denies(&self) -> Vec<String> {
        let iam = aws_sdk_iam::Client::new(&self.sdk(&self.aws_endpoint).await);
        let role = self.names().federated_role;
        let attached = iam
            .list_attached_role_policies()
            .role_name(&role)
            .send()
            .await
            .expect("ListAttachedRolePolicies");
        let mut patterns = Vec::new();
        for policy in attached.attached_policies() {
            let arn = policy.policy_arn().expect("arn");
            let found = iam
                .get_policy()
                .policy_arn(arn)
                .send()
                .await
                .expect("GetPolicy");
            let version = found
                .policy()
                .and_then(|p| p.default_version_id())
                .expect("default version");
            let document = iam
                .get_policy_version()
                .policy_arn(arn)
                .version_id(version)
                .send()
                .await
                .expect("GetPolicyVersion");
            let raw = document
                .policy_version()
                .and_then(|v| v.document())
                .expect("document");
            let decoded = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
            let value: Value = serde_json::from_str(&decoded).expect("policy JSON");
            for statement in value["Statement"].as_array().expect("statements") {
                if statement["Effect"] == "Deny" && statement["Action"] == "bedrock:*" {
                    let list = &statement["Condition"]["StringLike"]["aws:userid"];
                    patterns.extend(
                        list.as_array()
                            .into_iter()
                            .flatten()
                            .chain(list.as_str().map(|_| list))
                            .filter_map(Value::as_str)
                            .map(str::to_owned),
                    );
                }
            }
        }
        patterns.sort();
        patterns
    }

    /// Puts an item (in DynamoDB JSON) into `table`.
    pub async fn put_item(&self, table: &str, item: Value) {
        call(
            &self.aws_endpoint,
            "DynamoDB_20120810.PutItem",
            "dynamodb",
            json!({"TableName": table, "Item": item}),
        )
        .await;
    }

    /// Stores a policy as the API will: `limits` holds any of the limit attributes as JSON
    /// numbers, `modes` the enforcement modes.
    pub async fn seed_policy(&self, policy_type: &str, identifier: &str, fields: Value) {
        let mut item = json!({
            "pk": {"S": format!("POLICY#{policy_type}#{identifier}")},
            "sk": {"S": "CURRENT"},
            "policy_type": {"S": policy_type},
            "identifier": {"S": identifier},
            "enabled": {"BOOL": true},
            "version": {"N": "1"},
        });
        for (name, value) in fields.as_object().expect("fields object") {
            item[name] = match value {
                Value::Number(n) => json!({"N": n.to_string()}),
                Value::Bool(b) => json!({"BOOL": b}),
                Value::String(s) => json!({"S": s}),
                other => panic!("unsupported field value {other}"),
            };
        }
        self.put_item(&self.policies_table(), item).await;
    }

    /// Stores a usage item (`sk` like `MONTH#2026-11` or `DAY#2026-11-21`).
    pub async fn seed_usage(&self, identity: &str, sk: &str, total_tokens: u64, cost_micros: u64) {
        let item = json!({
            "pk": {"S": format!("USER#{identity}")},
            "sk": {"S": sk},
            "total_tokens": {"N": total_tokens.to_string()},
            "cost_micros": {"N": cost_micros.to_string()},
        });
        self.put_item(&self.usage_table(), item).await;
    }

    /// Stores the current unblock of `identity`, expiring at `expires_at` (RFC 3339).
    pub async fn seed_unblock(&self, identity: &str, expires_at: &str) {
        let item = json!({
            "pk": {"S": format!("USER#{identity}")},
            "sk": {"S": "UNBLOCK#CURRENT"},
            "expires_at": {"S": expires_at},
            "unblocked_by": {"S": "admin@example.com"},
            "reason": {"S": "deadline"},
        });
        self.put_item(&self.usage_table(), item).await;
    }
}

impl Local {
    /// The ids of the audit events Firehose delivered to the bucket so far.
    pub async fn delivered_audit_ids(&self) -> Vec<String> {
        self.objects("audit/")
            .await
            .into_iter()
            .flat_map(|(_, body)| {
                body.lines()
                    .filter_map(|line| serde_json::from_str::<Value>(line).ok())
                    .filter_map(|event| event["id"].as_str().map(str::to_owned))
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// The audit table's name.
    pub fn audit_table(&self) -> String {
        format!("{}-audit", self.stack)
    }

    /// Every item of `table` (DynamoDB JSON), by scanning it.
    pub async fn scan(&self, table: &str) -> Vec<Value> {
        let mut items = Vec::new();
        let mut start: Option<Value> = None;
        loop {
            let mut body = json!({"TableName": table});
            if let Some(key) = start.take() {
                body["ExclusiveStartKey"] = key;
            }
            let page = call(
                &self.aws_endpoint,
                "DynamoDB_20120810.Scan",
                "dynamodb",
                body,
            )
            .await;
            items.extend(page["Items"].as_array().cloned().unwrap_or_default());
            match page.get("LastEvaluatedKey") {
                Some(key) if !key.is_null() => start = Some(key.clone()),
                _ => return items,
            }
        }
    }

    /// Audit events (as stored), oldest first.
    pub async fn audit_events(&self) -> Vec<Value> {
        let mut items = self.scan(&self.audit_table()).await;
        items.sort_by(|a, b| a["sk"]["S"].as_str().cmp(&b["sk"]["S"].as_str()));
        items
    }
}

impl Local {
    /// The stack's bucket.
    pub fn bucket(&self) -> String {
        format!("{}-data", self.stack)
    }

    /// Every object under `prefix` in the stack's bucket, as (key, text).
    pub async fn objects(&self, prefix: &str) -> Vec<(String, String)> {
        let bucket = format!("{}/{}", self.aws_endpoint, self.bucket());
        let listing = s3_text(&format!("{bucket}?list-type=2&prefix={prefix}")).await;
        let keys: Vec<String> = listing
            .split("<Key>")
            .skip(1)
            .filter_map(|part| part.split("</Key>").next())
            .map(str::to_owned)
            .collect();
        let mut objects = Vec::new();
        for key in keys {
            let body = s3_text(&format!("{bucket}/{key}")).await;
            objects.push((key, body));
        }
        objects
    }

    /// Deletes the Firehose stream `stream` (an outage).
    pub async fn delete_stream(&self, stream: &str) {
        self.firehose(
            "DeleteDeliveryStream",
            json!({"DeliveryStreamName": stream}),
        )
        .await;
    }

    /// Creates the Firehose stream `stream` into the stack's bucket under `prefix`.
    pub async fn create_stream(&self, stream: &str, prefix: &str) {
        self.firehose(
            "CreateDeliveryStream",
            json!({"DeliveryStreamName": stream, "DeliveryStreamType": "DirectPut",
                   "ExtendedS3DestinationConfiguration": {
                       "BucketARN": format!("arn:aws:s3:::{}", self.bucket()),
                       "RoleARN": "arn:aws:iam::123456789012:role/firehose",
                       "Prefix": prefix}}),
        )
        .await;
    }

    /// Calls a Firehose action on the stack's AWS endpoint.
    pub async fn firehose(&self, action: &str, body: Value) -> Value {
        let target = format!("Firehose_20150804.{action}");
        call_json(&self.aws_endpoint, &target, "firehose", "1.1", body).await
    }
}

impl Local {
    /// Subscribes a new SQS queue to the stack's alert topic; returns the queue URL.
    pub async fn subscribe_alert_queue(&self) -> String {
        let topic_xml = self
            .sns(
                "CreateTopic",
                &[("Name", &format!("{}-alerts", self.stack))],
            )
            .await;
        let topic_arn = topic_xml
            .split("<TopicArn>")
            .nth(1)
            .and_then(|rest| rest.split("</TopicArn>").next())
            .expect("topic ARN")
            .to_owned();
        let queue_name = format!("{}-alerts-q", self.stack);
        let queue = call(
            &self.aws_endpoint,
            "AmazonSQS.CreateQueue",
            "sqs",
            json!({"QueueName": queue_name}),
        )
        .await;
        let queue_url = queue["QueueUrl"].as_str().expect("queue url").to_owned();
        let queue_arn = format!("arn:aws:sqs:us-east-1:123456789012:{queue_name}");
        let subscription = [
            ("TopicArn", topic_arn.as_str()),
            ("Protocol", "sqs"),
            ("Endpoint", &queue_arn),
        ];
        self.sns("Subscribe", &subscription).await;
        queue_url
    }

    /// Calls the SNS action `action` with `params` on the stack's AWS endpoint; the XML answer.
    async fn sns(&self, action: &str, params: &[(&str, &str)]) -> String {
        self.query(("sns", "2010-03-31"), action, params).await
    }

    /// Calls the query-protocol `action` of `(service, API version)` with `params` on the
    /// stack's AWS endpoint; the XML answer.
    async fn query(&self, api: (&str, &str), action: &str, params: &[(&str, &str)]) -> String {
        let (service, version) = api;
        let mut form = vec![("Action", action), ("Version", version)];
        form.extend_from_slice(params);
        call_query(&self.aws_endpoint, service, &form).await
    }

    /// The SNS messages waiting in `queue_url` (the `Message` of each envelope, as JSON).
    pub async fn receive_alerts(&self, queue_url: &str) -> Vec<Value> {
        let mut messages = Vec::new();
        loop {
            let batch = call(
                &self.aws_endpoint,
                "AmazonSQS.ReceiveMessage",
                "sqs",
                json!({"QueueUrl": queue_url, "MaxNumberOfMessages": 10, "WaitTimeSeconds": 0}),
            )
            .await;
            let Some(items) = batch["Messages"]
                .as_array()
                .filter(|m| !m.is_empty())
                .cloned()
            else {
                return messages;
            };
            for item in items {
                let envelope: Value = serde_json::from_str(item["Body"].as_str().unwrap_or("{}"))
                    .unwrap_or(Value::Null);
                let message = envelope["Message"].as_str().unwrap_or("{}");
                messages.push(serde_json::from_str(message).unwrap_or(Value::Null));
                call(
                    &self.aws_endpoint,
                    "AmazonSQS.DeleteMessage",
                    "sqs",
                    json!({"QueueUrl": queue_url, "ReceiptHandle": item["ReceiptHandle"]}),
                )
                .await;
            }
        }
    }
}
