//! JavaScript values to the core's [`Input`] (faithfully, bad parts
//! included), and the core's JSON [`Value`] back to JavaScript.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::core::input::{Input, MAX_DEPTH};
use crate::core::json::Value;

#[wasm_bindgen]
extern "C" {
    // `js_sys::Object::keys` is not marked `catch`; a revoked Proxy would
    // throw straight through the wasm frames. This one returns the error.
    #[wasm_bindgen(catch, js_namespace = Object, js_name = keys)]
    fn object_keys(v: &JsValue) -> Result<Array, JsValue>;
}

/// Describes a JavaScript value for the core.
pub fn to_input(v: &JsValue) -> Input {
    let object_proto = Object::get_prototype_of(&Object::new());
    let mut ancestors = Vec::new();
    describe(v, &object_proto, &mut ancestors)
}

fn describe(v: &JsValue, object_proto: &Object, ancestors: &mut Vec<JsValue>) -> Input {
    if let Some(s) = v.as_string() {
        return Input::String(s);
    }
    if let Some(n) = v.as_f64() {
        return Input::Number(n);
    }
    if let Some(b) = v.as_bool() {
        return Input::Bool(b);
    }
    if v.is_undefined() {
        return Input::Undefined;
    }
    if v.is_null() {
        return Input::Null;
    }
    if v.is_function() {
        return Input::Function;
    }
    if v.is_symbol() {
        return Input::Symbol;
    }
    if v.is_bigint() {
        return Input::BigInt;
    }
    if !v.is_object() {
        return Input::Other("value of an unknown type".into());
    }
    if ancestors.iter().any(|a| Object::is(a, v)) {
        return Input::Cycle;
    }
    if ancestors.len() >= MAX_DEPTH {
        return Input::TooDeep;
    }
    if Array::is_array(v) {
        let arr: &Array = v.unchecked_ref();
        ancestors.push(v.clone());
        let items = arr.iter().map(|item| describe(&item, object_proto, ancestors)).collect();
        ancestors.pop();
        return Input::Array(items);
    }
    if let Some(d) = v.dyn_ref::<js_sys::Date>() {
        return Input::Date(d.get_time());
    }
    let proto = match Reflect::get_prototype_of(v) {
        Ok(p) => p,
        Err(_) => return Input::Unreadable,
    };
    let proto_js: &JsValue = proto.as_ref();
    if !(proto_js.is_null() || Object::is(proto_js, object_proto)) {
        return Input::Other(constructor_name(&proto));
    }
    let Ok(keys) = object_keys(v) else { return Input::Unreadable };
    ancestors.push(v.clone());
    let mut fields = Vec::with_capacity(keys.length() as usize);
    for key in keys.iter() {
        let Some(name) = key.as_string() else { continue };
        let value = match Reflect::get(v, &key) {
            Ok(value) => describe(&value, object_proto, ancestors),
            Err(_) => Input::Unreadable,
        };
        fields.push((name, value));
    }
    ancestors.pop();
    Input::Object(fields)
}

fn constructor_name(proto: &Object) -> String {
    Reflect::get(proto, &JsValue::from_str("constructor"))
        .ok()
        .and_then(|c| Reflect::get(&c, &JsValue::from_str("name")).ok())
        .and_then(|n| n.as_string())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "class instance".to_string())
}

/// A JSON value as a plain JavaScript value.
pub fn to_js(v: &Value) -> JsValue {
    match v {
        Value::Null => JsValue::NULL,
        Value::Bool(b) => JsValue::from_bool(*b),
        Value::Number(n) => JsValue::from_f64(*n),
        Value::String(s) => JsValue::from_str(s),
        Value::Array(items) => items.iter().map(to_js).collect::<Array>().into(),
        Value::Object(fields) => {
            let o = Object::new();
            for (k, val) in fields {
                let _ = Reflect::set(&o, &JsValue::from_str(k), &to_js(val));
            }
            o.into()
        }
    }
}
