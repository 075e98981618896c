//! Slots in the page: finding them (`data-kz-slot`), reading their variants
//! (`<template data-kz-variant data-kz-tags>`), rendering a variant (a
//! sanitized clone of its template, never HTML strings) and putting the
//! default back. Topics of pages and clicked elements (`data-kz-topic`).

use js_sys::Array;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element, HtmlElement, HtmlTemplateElement, Node};

use crate::core::personalize::profile::topic_name;
use crate::core::personalize::sanitize::{is_unsafe_attribute, is_unsafe_element};
use crate::core::personalize::slots::MarkupVariant;
use crate::prelude::*;

/// Marks a slot Kizuna rendered, with the variant shown (for CSS and tests).
pub const SHOWN_ATTR: &str = "data-kz-shown";
/// Set by the pre-paint script (`slots.js`) on a slot it hid until decided.
pub const PENDING_ATTR: &str = "data-kz-pending";

/// A slot element of the page.
///
/// While a variant shows, the slot's default children are set aside on the
/// element itself (its `__kzDefault` property, which the pre-paint script
/// uses too), so whoever looks at the slot later, after a rescan or from
/// the other script, can always put the default back.
pub struct SlotElement {
    /// The `data-kz-slot` element.
    pub element: Element,
    /// Its name.
    pub name: String,
}

const DEFAULT_KEY: &str = "__kzDefault";

fn document() -> Option<Document> {
    super::window().and_then(|w| w.document())
}

/// Whether the document is still being parsed.
pub fn still_loading() -> bool {
    document().is_some_and(|d| d.ready_state() == "loading")
}

/// Every slot element of the page, in document order.
pub fn find() -> Vec<SlotElement> {
    let Some(doc) = document() else { return Vec::new() };
    let Ok(list) = doc.query_selector_all("[data-kz-slot]") else { return Vec::new() };
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.dyn_into::<Element>().ok())
        .filter_map(|element| {
            let name = element.get_attribute("data-kz-slot").filter(|n| !n.is_empty())?;
            Some(SlotElement { element, name })
        })
        .collect()
}

fn templates(slot: &Element) -> Vec<HtmlTemplateElement> {
    let Ok(list) = slot.query_selector_all(":scope > template[data-kz-variant]") else { return Vec::new() };
    (0..list.length()).filter_map(|i| list.item(i)).filter_map(|n| n.dyn_into::<HtmlTemplateElement>().ok()).collect()
}

/// The variants a slot's markup offers.
pub fn variants(slot: &Element) -> Vec<MarkupVariant> {
    templates(slot)
        .iter()
        .filter_map(|t| {
            let id = t.get_attribute("data-kz-variant").filter(|v| !v.is_empty())?;
            let tags = t.get_attribute("data-kz-tags").map(|s| s.split(',').filter_map(topic_name).collect()).unwrap_or_default();
            Some(MarkupVariant { id, tags })
        })
        .collect()
}

/// Removes from `root`'s subtree every element and attribute that could
/// run code (see `core::personalize::sanitize`).
fn sanitize(root: &web_sys::DocumentFragment) {
    let Ok(all) = root.query_selector_all("*") else { return };
    for i in 0..all.length() {
        let Some(el) = all.item(i).and_then(|n| n.dyn_into::<Element>().ok()) else { continue };
        if is_unsafe_element(&el.tag_name()) {
            el.remove();
            continue;
        }
        for name in el.get_attribute_names().iter().filter_map(|n| n.as_string()) {
            let value = el.get_attribute(&name).unwrap_or_default();
            if is_unsafe_attribute(&name, &value) {
                let _ = el.remove_attribute(&name);
            }
        }
    }
}

impl SlotElement {
    /// The slot's children other than its templates.
    fn shown(&self) -> Vec<Node> {
        let children = self.element.child_nodes();
        (0..children.length()).filter_map(|i| children.item(i)).filter(|n| !is_template(n)).collect()
    }

    /// The default children set aside, if a variant shows.
    fn saved_default(&self) -> Option<Array> {
        let saved = js_sys::Reflect::get(&self.element, &JsValue::from_str(DEFAULT_KEY)).ok()?;
        saved.dyn_into::<Array>().ok()
    }

    /// Shows `variant` (a sanitized clone of its template) instead of what
    /// shows now. `false` when the slot has no such template.
    pub fn render(&self, variant: &str) -> bool {
        if self.element.get_attribute(SHOWN_ATTR).as_deref() == Some(variant)
            || (self.element.get_attribute("data-kz-prerendered").as_deref() == Some(variant) && self.saved_default().is_some())
        {
            // Already showing (rendered earlier, or by the pre-paint script,
            // whose work Kizuna now owns).
            let _ = self.element.remove_attribute("data-kz-prerendered");
            let _ = self.element.set_attribute(SHOWN_ATTR, variant);
            self.reveal();
            return true;
        }
        let Some(t) = templates(&self.element).into_iter().find(|t| t.get_attribute("data-kz-variant").as_deref() == Some(variant)) else {
            return false;
        };
        let Ok(clone) = t.content().clone_node_with_deep(true) else { return false };
        let Ok(fragment) = clone.dyn_into::<web_sys::DocumentFragment>() else { return false };
        sanitize(&fragment);
        let shown = self.shown();
        if self.saved_default().is_none() {
            // What shows now is the default: set it aside.
            let saved: Array = shown.iter().collect();
            let _ = js_sys::Reflect::set(&self.element, &JsValue::from_str(DEFAULT_KEY), &saved);
        }
        for n in &shown {
            let _ = self.element.remove_child(n);
        }
        let _ = self.element.append_child(&fragment);
        let _ = self.element.set_attribute(SHOWN_ATTR, variant);
        self.reveal();
        true
    }

    /// Puts the default back.
    pub fn restore(&self) {
        if let Some(saved) = self.saved_default() {
            for n in self.shown() {
                let _ = self.element.remove_child(&n);
            }
            for n in saved.iter().filter_map(|n| n.dyn_into::<Node>().ok()) {
                let _ = self.element.append_child(&n);
            }
            let _ = js_sys::Reflect::delete_property(&self.element, &JsValue::from_str(DEFAULT_KEY));
        }
        let _ = self.element.remove_attribute("data-kz-prerendered");
        let _ = self.element.set_attribute(SHOWN_ATTR, "default");
        self.reveal();
    }

    /// Shows the slot if the pre-paint script hid it.
    pub fn reveal(&self) {
        if self.element.has_attribute(PENDING_ATTR) {
            let _ = self.element.remove_attribute(PENDING_ATTR);
            if let Some(h) = self.element.dyn_ref::<HtmlElement>() {
                let _ = h.style().remove_property("visibility");
            }
        }
    }
}

fn is_template(n: &Node) -> bool {
    n.dyn_ref::<Element>().is_some_and(|e| e.tag_name().eq_ignore_ascii_case("template"))
}

/// The topics of the page: `data-kz-topic` on `<html>`, `<body>` or `<main>`.
pub fn page_topics() -> String {
    let Some(doc) = document() else { return String::new() };
    let Ok(list) = doc.query_selector_all("html[data-kz-topic], body[data-kz-topic], main[data-kz-topic]") else { return String::new() };
    let topics: Vec<String> =
        (0..list.length()).filter_map(|i| list.item(i)).filter_map(|n| n.dyn_into::<Element>().ok()).filter_map(|e| e.get_attribute("data-kz-topic")).collect();
    topics.join(",")
}

/// For a click: the slot it happened in, and the topics of the nearest
/// element with `data-kz-topic`.
pub fn click_target(target: &JsValue) -> (Option<String>, Option<String>) {
    let Some(el) = target.dyn_ref::<Element>() else { return (None, None) };
    let slot = el.closest("[data-kz-slot]").ok().flatten().and_then(|s| s.get_attribute("data-kz-slot"));
    let topics = el.closest("[data-kz-topic]").ok().flatten().and_then(|t| t.get_attribute("data-kz-topic"));
    (slot, topics)
}
