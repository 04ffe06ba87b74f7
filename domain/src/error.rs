//! Errors for input that breaks a domain rule.

/// A value handed to a parsing constructor that does not satisfy its rule.
///
/// `field` names what was wrong (a field, a query parameter) so the API can
/// tell the caller exactly which input to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ValidationError {
    pub field: String,
    pub message: String,
}

impl ValidationError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}
