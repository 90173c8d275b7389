//! The case's search attributes, written only when they change.

use temporalio_workflow::WorkflowContext;

use crate::{IssuedTagKey, case_workflow::CaseWorkflow, issued_tags, search_attributes as sa};

/// The search-attribute values last written, so an unchanged case writes no history event.
#[derive(Default)]
pub(crate) struct Published {
    status: Option<String>,
    waiting_on: Option<Vec<String>>,
    attention: Option<Vec<String>>,
    attention_agencies: Option<Vec<String>>,
    /// The key the case's issued numbers are hashed under; `None` writes no `LienthongIssued`.
    tag_key: Option<IssuedTagKey>,
    issued: String,
}

impl Published {
    pub(crate) fn tagging(tag_key: Option<IssuedTagKey>) -> Self {
        Self {
            tag_key,
            ..Self::default()
        }
    }

    pub(crate) fn upsert(&mut self, ctx: &WorkflowContext<CaseWorkflow>) {
        let tag_key = self.tag_key.as_ref();
        let Some((status, waiting_on, attention, attention_agencies, issued)) = ctx.state(|w| {
            w.case.as_ref().map(|c| {
                let issued = match (tag_key, &w.definition) {
                    (Some(key), Some(definition)) => issued_tags(key, definition, c),
                    _ => String::new(),
                };
                (
                    c.status.as_str().to_owned(),
                    c.waiting_on(),
                    c.attention.clone(),
                    c.attention_agencies().into_iter().map(|a| a.0).collect(),
                    issued,
                )
            })
        }) else {
            return;
        };
        let mut updates = Vec::new();
        // Written with the other changes, never on its own: a number is issued by a step whose
        // end changes the case's waiting agencies or status anyway.
        if self.issued != issued {
            updates.push(sa::ISSUED.value_set(issued.clone()));
            self.issued = issued;
        }
        if self.status.as_ref() != Some(&status) {
            updates.push(sa::STATUS.value_set(status.clone()));
            self.status = Some(status);
        }
        if self.waiting_on.as_ref() != Some(&waiting_on) {
            updates.push(sa::WAITING_ON.value_set(waiting_on.clone()));
            self.waiting_on = Some(waiting_on);
        }
        if self.attention.as_ref() != Some(&attention) {
            updates.push(sa::NEEDS_ATTENTION.value_set(attention.clone()));
            self.attention = Some(attention);
        }
        if self.attention_agencies.as_ref() != Some(&attention_agencies) {
            updates.push(sa::ATTENTION_AGENCY.value_set(attention_agencies.clone()));
            self.attention_agencies = Some(attention_agencies);
        }
        if !updates.is_empty() {
            ctx.upsert_search_attributes(updates);
        }
    }
}
