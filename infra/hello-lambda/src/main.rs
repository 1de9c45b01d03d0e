//! Hello world on `lambda_http`, with the same `lambda_http` features and release profile as the
//! three functions: the baseline `infra/cold-start` compares their cold starts with.

use lambda_http::{Body, Error, Request, Response, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_http::run(service_fn(|_: Request| async {
        Ok::<_, Error>(Response::new(Body::from("hello")))
    }))
    .await
}
