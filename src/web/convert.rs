//! JavaScript values to the core's [`Input`] (faithfully, bad parts
//! included), and the core's JSON [`Value`] back to JavaScript.

use crate::prelude::*;

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;

use crate::core::input::{Input, MAX_DEPTH};
use crate::core::json::Value;

// The standard bindings of these are not marked `catch`: on a revoked Proxy
// or a hostile getter they would throw straight through the wasm frames into
// the site. These return the error instead.
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = Object, js_name = keys)]
    fn object_keys(v: &JsValue) -> Result<Array, JsValue>;
    #[wasm_bindgen(catch, js_namespace = Array, js_name = isArray)]
    fn is_array(v: &JsValue) -> Result<bool, JsValue>;
    #[wasm_bindgen(catch, js_namespace = ["Date", "prototype", "getTime"], js_name = call)]
    fn date_get_time(date: &JsValue) -> Result<f64, JsValue>;

    // The prototypes that tell a plain object and a Date apart, read once.
    #[wasm_bindgen(thread_local_v2, js_namespace = Object, js_name = prototype)]
    static OBJECT_PROTOTYPE: JsValue;
    #[wasm_bindgen(thread_local_v2, js_namespace = Date, js_name = prototype)]
    static DATE_PROTOTYPE: JsValue;
}

/// Describes a JavaScript value for the core.
pub fn to_input(v: &JsValue) -> Input {
    describe(v, &mut Vec::new())
}

fn describe(v: &JsValue, ancestors: &mut Vec<JsValue>) -> Input {
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
    // Asking for the prototype first also weeds out revoked proxies.
    let Ok(proto) = Reflect::get_prototype_of(v) else { return Input::Unreadable };
    let proto: JsValue = proto.into();
    ancestors.push(v.clone());
    let described = if is_array(v).unwrap_or(false) {
        describe_array(v, ancestors)
    } else {
        let plain = proto.is_null() || OBJECT_PROTOTYPE.with(|p| Object::is(&proto, p));
        let date = !plain && DATE_PROTOTYPE.with(|p| Object::is(&proto, p));
        if plain {
            describe_object(v, ancestors)
        } else if date {
            date_get_time(v).map_or(Input::Unreadable, Input::Date)
        } else {
            Input::Other(constructor_name(&proto))
        }
    };
    ancestors.pop();
    described
}

fn describe_array(v: &JsValue, ancestors: &mut Vec<JsValue>) -> Input {
    let len = Reflect::get(v, &JsValue::from_str("length")).ok().and_then(|l| l.as_f64()).unwrap_or(0.0) as u32;
    let items = (0..len)
        .map(|i| match Reflect::get_u32(v, i) {
            Ok(item) => describe(&item, ancestors),
            Err(_) => Input::Unreadable,
        })
        .collect();
    Input::Array(items)
}

fn describe_object(v: &JsValue, ancestors: &mut Vec<JsValue>) -> Input {
    let Ok(keys) = object_keys(v) else { return Input::Unreadable };
    let mut fields = Vec::with_capacity(keys.length() as usize);
    for key in keys.iter() {
        let Some(name) = key.as_string() else { continue };
        let value = match Reflect::get(v, &key) {
            Ok(value) => describe(&value, ancestors),
            Err(_) => Input::Unreadable,
        };
        fields.push((name, value));
    }
    Input::Object(fields)
}

fn constructor_name(proto: &JsValue) -> String {
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
