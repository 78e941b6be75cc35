//! A real identity provider's tokens: a Cognito user pool (served by moto) with `--issuer` and
//! `--jwks-url`, since Cognito's JWKS is not under the issuer string moto puts in tokens.

// Dependencies are judged on the library target; this test uses only some of them.
#![allow(unused_crate_dependencies)]

use ccwb_e2e::{Local, LocalOptions, moto};
use serde_json::{Value, json};

async fn cognito(action: &str, body: Value) -> Value {
    let target = format!("AWSCognitoIdentityProviderService.{action}");
    ccwb_e2e::aws::call_json(moto(), &target, "cognito-idp", "1.1", body).await
}

#[tokio::test]
async fn cognito_user_pool_tokens_are_accepted_with_groups() {
    let pool = cognito(
        "CreateUserPool",
        json!({"PoolName": "ccwb-e2e", "UsernameAttributes": ["email"]}),
    )
    .await;
    let pool_id = pool["UserPool"]["Id"].as_str().expect("pool id").to_owned();
    let client = cognito(
        "CreateUserPoolClient",
        json!({"UserPoolId": pool_id, "ClientName": "ccwb",
               "ExplicitAuthFlows": ["ADMIN_USER_PASSWORD_AUTH"],
               "ReadAttributes": ["email", "email_verified"]}),
    )
    .await;
    let client_id = client["UserPoolClient"]["ClientId"]
        .as_str()
        .expect("client id")
        .to_owned();
    let email = "Cognito.User@Example.com";
    cognito(
        "AdminCreateUser",
        json!({"UserPoolId": pool_id, "Username": email, "MessageAction": "SUPPRESS",
               "UserAttributes": [{"Name": "email", "Value": email},
                                  {"Name": "email_verified", "Value": "true"}]}),
    )
    .await;
    cognito(
        "AdminSetUserPassword",
        json!({"UserPoolId": pool_id, "Username": email, "Password": "Secr3t!Passw0rd",
               "Permanent": true}),
    )
    .await;
    for group in ["ccwb-admins", "eng"] {
        cognito(
            "CreateGroup",
            json!({"UserPoolId": pool_id, "GroupName": group}),
        )
        .await;
        cognito(
            "AdminAddUserToGroup",
            json!({"UserPoolId": pool_id, "Username": email, "GroupName": group}),
        )
        .await;
    }
    let auth = cognito(
        "AdminInitiateAuth",
        json!({"UserPoolId": pool_id, "ClientId": client_id,
               "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
               "AuthParameters": {"USERNAME": email, "PASSWORD": "Secr3t!Passw0rd"}}),
    )
    .await;
    let id_token = auth["AuthenticationResult"]["IdToken"]
        .as_str()
        .expect("id token");
    let access_token = auth["AuthenticationResult"]["AccessToken"]
        .as_str()
        .expect("access token");

    let issuer = format!("https://cognito-idp.us-east-1.amazonaws.com/{pool_id}");
    let jwks = format!("{}/{pool_id}/.well-known/jwks.json", moto());
    let local = Local::start_with(LocalOptions::default().with_args(&[
        "--issuer",
        &issuer,
        "--audience",
        &client_id,
        "--jwks-url",
        &jwks,
    ]));

    let (status, me) = local.get("/me", Some(id_token)).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(
        me,
        json!({"identity": "cognito.user@example.com", "groups": ["ccwb-admins", "eng"], "admin": true})
    );
    // Cognito access tokens carry client_id instead of aud; API Gateway accepts them too.
    let (status, _) = local.get("/me", Some(access_token)).await;
    assert_eq!(status, 200);

    // A dev-issuer token is not from this issuer.
    let other = Local::start();
    let (status, _) = local
        .get("/me", Some(&other.token("x@example.com", &[])))
        .await;
    assert_eq!(status, 401);
}
