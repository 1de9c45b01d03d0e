//! Route key → handler. API Gateway names the matched route (`GET /requests/{ticket}`), so the
//! function never re-parses paths; identity is checked before anything is read.

use crate::context::Caller;
use crate::error::ApiError;
use crate::{
    Status, actions, appointments, detail, failed, messages, office, queue, residents, services,
    stats,
};
use domain::TicketId;
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};

pub async fn dispatch(app: &Status, request: &Request) -> Response<Body> {
    match route(app, request).await {
        Ok(response) => response,
        Err(err) => {
            if matches!(err.status().as_u16(), 401 | 403) {
                // Refusals are audit-logged with the route, never with the token.
                tracing::warn!(
                    audit = "access_denied",
                    status = err.status().as_u16(),
                    route = %route_key(request),
                    reason = %err,
                    "officer API access refused"
                );
            }
            err.into_response()
        }
    }
}

fn route_key(request: &Request) -> String {
    match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(c)) => c.route_key.clone().unwrap_or_default(),
        _ => String::new(),
    }
}

pub fn path_param<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request.path_parameters_ref().and_then(|p| p.first(name))
}

/// An unparseable ticket gets the same answer as an unknown one.
pub fn ticket(request: &Request) -> Result<TicketId, ApiError> {
    path_param(request, "ticket")
        .and_then(|t| TicketId::parse(t).ok())
        .ok_or(ApiError::NotFound("no request with this ticket"))
}

async fn route(app: &Status, request: &Request) -> Result<Response<Body>, ApiError> {
    let caller = Caller::from_request(request)?;
    match route_key(request).as_str() {
        "GET /requests" => queue::list(app, &caller, request).await,
        "GET /requests/{ticket}" => detail::get(app, &caller, ticket(request)?).await,
        "POST /requests/{ticket}/nik" => detail::reveal_nik(app, &caller, ticket(request)?).await,
        "POST /requests/{ticket}/actions" => {
            actions::post(app, &caller, ticket(request)?, request.body()).await
        }
        "POST /requests/{ticket}/messages" => {
            messages::post(app, &caller, ticket(request)?, request.body()).await
        }
        "GET /stats" => stats::get(app, &caller, request).await,
        "GET /stats/survey" => stats::survey_report(app, &caller, request).await,
        "GET /services" => services::list(app, &caller).await,
        "PUT /services/{code}" => {
            services::put(app, &caller, path_param(request, "code"), request.body()).await
        }
        "GET /residents/{resident}/export" => {
            residents::export(app, &caller, path_param(request, "resident")).await
        }
        "POST /residents/{resident}/erase" => {
            residents::erase(app, &caller, path_param(request, "resident")).await
        }
        "GET /office" => office::get(app, &caller).await,
        "GET /failed-messages" => failed::list(app, &caller, request).await,
        "POST /failed-messages/{id}/handled" => {
            failed::mark_handled(app, &caller, path_param(request, "id")).await
        }
        "GET /appointment-slots" => appointments::get_slots(app, &caller, request).await,
        "PUT /appointment-slots" => appointments::put_slots(app, &caller, request.body()).await,
        "GET /appointments" => appointments::list(app, &caller, request).await,
        "POST /appointments/{code}/arrived" => {
            appointments::arrived(app, &caller, path_param(request, "code")).await
        }
        _ => Err(ApiError::NotFound("no such route")),
    }
}
