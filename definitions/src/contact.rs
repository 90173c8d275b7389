//! Where a procedure's application gives the citizen's own addresses (`contact:`), for the
//! messages a case sends them. Only pointers: the addresses themselves stay in the application.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// JSON pointers into the application (`/applicant/email`), each checked at parse time to name a
/// text field of the application schema.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

impl Contact {
    pub fn is_empty(&self) -> bool {
        self.email.is_none() && self.phone.is_none()
    }

    /// The e-mail address `application` gives, if the procedure says where and it is filled in.
    pub fn email_in(&self, application: &Value) -> Option<String> {
        read(application, self.email.as_deref())
    }

    /// The phone number `application` gives, if the procedure says where and it is filled in.
    pub fn phone_in(&self, application: &Value) -> Option<String> {
        read(application, self.phone.as_deref())
    }
}

fn read(application: &Value, pointer: Option<&str>) -> Option<String> {
    let text = application.pointer(pointer?)?.as_str()?.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn an_address_is_read_only_where_the_procedure_points_and_only_when_given() {
        let contact = Contact {
            email: Some("/applicant/email".into()),
            phone: None,
        };
        let application = json!({"applicant": {"email": " me@example.vn ", "phone": "0912345678"}});
        assert_eq!(
            contact.email_in(&application).as_deref(),
            Some("me@example.vn")
        );
        assert_eq!(contact.phone_in(&application), None, "no pointer, no phone");
        assert_eq!(contact.email_in(&json!({"applicant": {"email": ""}})), None);
        assert_eq!(contact.email_in(&json!({"applicant": {}})), None);
        assert!(Contact::default().is_empty());
    }
}
