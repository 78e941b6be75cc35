//! Seeding and reading moto directly through the AWS JSON protocol (moto checks no signatures),
//! so tests can set up stored state without going through the API under test.

use serde_json::{Value, json};

use crate::Local;

/// Calls a JSON-protocol AWS action (`DynamoDB_20120810.PutItem`, …) on `endpoint`.
pub async fn call(endpoint: &str, target: &str, service: &str, body: Value) -> Value {
    let response = reqwest::Client::new()
        .post(endpoint)
        .header("x-amz-target", target)
        .header("content-type", "application/x-amz-json-1.0")
        .header(
            "authorization",
            format!("AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0"),
        )
        .body(body.to_string())
        .send()
        .await
        .expect("AWS request");
    let status = response.status();
    let value: Value = response.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{target}: {status} {value}");
    value
}

impl Local {
    /// The policies table's name.
    pub fn policies_table(&self) -> String {
        format!("{}-policies", self.stack)
    }

    /// The usage table's name.
    pub fn usage_table(&self) -> String {
        format!("{}-usage", self.stack)
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
        let client = reqwest::Client::new();
        let auth = "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0";
        let listing = client
            .get(format!(
                "{}/{}?list-type=2&prefix={prefix}",
                self.aws_endpoint,
                self.bucket()
            ))
            .header("authorization", auth)
            .send()
            .await
            .expect("list objects")
            .text()
            .await
            .unwrap_or_default();
        let keys: Vec<String> = listing
            .split("<Key>")
            .skip(1)
            .filter_map(|part| part.split("</Key>").next())
            .map(str::to_owned)
            .collect();
        let mut objects = Vec::new();
        for key in keys {
            let body = client
                .get(format!("{}/{}/{key}", self.aws_endpoint, self.bucket()))
                .header("authorization", auth)
                .send()
                .await
                .expect("get object")
                .text()
                .await
                .unwrap_or_default();
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
        let response = reqwest::Client::new()
            .post(&self.aws_endpoint)
            .header("x-amz-target", format!("Firehose_20150804.{action}"))
            .header("content-type", "application/x-amz-json-1.1")
            .header("authorization", "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/firehose/aws4_request, SignedHeaders=host, Signature=0")
            .body(body.to_string())
            .send()
            .await
            .expect("firehose request");
        let status = response.status();
        let value: Value = response.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{action}: {status} {value}");
        value
    }
}

impl Local {
    /// Subscribes a new SQS queue to the stack's alert topic; returns the queue URL.
    pub async fn subscribe_alert_queue(&self) -> String {
        let client = reqwest::Client::new();
        let auth = |service: &str| {
            format!(
                "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0"
            )
        };
        let topic_xml = client
            .post(&self.aws_endpoint)
            .header("authorization", auth("sns"))
            .form(&[
                ("Action", "CreateTopic"),
                ("Name", &format!("{}-alerts", self.stack)),
                ("Version", "2010-03-31"),
            ])
            .send()
            .await
            .expect("CreateTopic")
            .text()
            .await
            .unwrap_or_default();
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
        let status = client
            .post(&self.aws_endpoint)
            .header("authorization", auth("sns"))
            .form(&[
                ("Action", "Subscribe"),
                ("TopicArn", &topic_arn),
                ("Protocol", "sqs"),
                ("Endpoint", &queue_arn),
                ("Version", "2010-03-31"),
            ])
            .send()
            .await
            .expect("Subscribe")
            .status();
        assert!(status.is_success(), "Subscribe: {status}");
        queue_url
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
