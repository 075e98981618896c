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

/// A slot element and what it held before Kizuna changed it.
pub struct SlotElement {
    /// The `data-kz-slot` element.
    pub element: Element,
    /// Its name.
    pub name: String,
    /// Its default children (set aside while a variant shows).
    default: Vec<Node>,
    /// What Kizuna inserted.
    inserted: Vec<Node>,
}

fn document() -> Option<Document> {
    super::window().and_then(|w| w.document())
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
            Some(SlotElement { element, name, default: Vec::new(), inserted: Vec::new() })
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
    /// Shows `variant` (a sanitized clone of its template) instead of the
    /// default. `false` when the slot has no such template.
    pub fn render(&mut self, variant: &str) -> bool {
        if self.element.get_attribute("data-kz-prerendered").as_deref() == Some(variant) {
            // The pre-paint script already shows it: adopt it as it is.
            let _ = self.element.remove_attribute("data-kz-prerendered");
            let children = self.element.child_nodes();
            self.inserted = (0..children.length()).filter_map(|i| children.item(i)).filter(|n| !is_template(n)).collect();
            if let Ok(saved) = js_sys::Reflect::get(&self.element, &JsValue::from_str("__kzDefault")) {
                self.default = Array::from(&saved).iter().filter_map(|n| n.dyn_into::<Node>().ok()).collect();
            }
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
        self.clear();
        // Set the default aside (templates stay: they are inert).
        let children = self.element.child_nodes();
        let kept: Vec<Node> = (0..children.length()).filter_map(|i| children.item(i)).filter(|n| !is_template(n)).collect();
        for n in &kept {
            let _ = self.element.remove_child(n);
        }
        if self.default.is_empty() {
            self.default = kept;
        }
        let nodes = fragment.child_nodes();
        self.inserted = (0..nodes.length()).filter_map(|i| nodes.item(i)).collect();
        let _ = self.element.append_child(&fragment);
        let _ = self.element.set_attribute(SHOWN_ATTR, variant);
        self.reveal();
        true
    }

    /// Removes what Kizuna inserted and puts the default back.
    pub fn restore(&mut self) {
        self.clear();
        for n in self.default.drain(..) {
            let _ = self.element.append_child(&n);
        }
        let _ = self.element.set_attribute(SHOWN_ATTR, "default");
        self.reveal();
    }

    /// Takes what Kizuna inserted out again (the default stays aside).
    fn clear(&mut self) {
        for n in self.inserted.drain(..) {
            if let Some(parent) = n.parent_node() {
                let _ = parent.remove_child(&n);
            }
        }
        // A variant the pre-paint script rendered is not in `inserted`.
        if self.element.has_attribute("data-kz-prerendered") {
            let children = self.element.child_nodes();
            let drop: Vec<Node> = (0..children.length()).filter_map(|i| children.item(i)).filter(|n| !is_template(n)).collect();
            for n in drop {
                let _ = self.element.remove_child(&n);
            }
            let _ = self.element.remove_attribute("data-kz-prerendered");
            if let Ok(saved) = js_sys::Reflect::get(&self.element, &JsValue::from_str("__kzDefault")) {
                self.default = Array::from(&saved).iter().filter_map(|n| n.dyn_into::<Node>().ok()).collect();
            }
        }
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
