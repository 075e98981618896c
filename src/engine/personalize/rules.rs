//! Eligibility rules of a variant, and the context they are checked in.

use crate::prelude::*;

use super::profile::{Profile, Segment};
use crate::engine::text::cat;

/// The device class, from the screen width (no user-agent parsing).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Device {
    /// Screen narrower than 768 px.
    Mobile,
    /// 768–1023 px.
    Tablet,
    /// 1024 px and wider.
    Desktop,
}

impl Device {
    /// The class of a screen `width` px wide.
    pub fn from_width(width: f64) -> Device {
        if width > 0.0 && width < 768.0 {
            Device::Mobile
        } else if width > 0.0 && width < 1024.0 {
            Device::Tablet
        } else {
            Device::Desktop
        }
    }

    /// `mobile`, `tablet`, `desktop`.
    pub fn name(self) -> &'static str {
        match self {
            Device::Mobile => "mobile",
            Device::Tablet => "tablet",
            Device::Desktop => "desktop",
        }
    }
}

/// New or returning visitor (first session or not).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Visitor {
    /// First session.
    New,
    /// Any later session.
    Returning,
}

/// A variant's rules; every one given must hold.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rules {
    /// `segment`: one of these lifecycle segments.
    pub segments: Vec<Segment>,
    /// `minAffinity`: at least this share of interest in each topic.
    pub min_affinity: Vec<(String, f64)>,
    /// `pathPrefix`: the page path starts with it.
    pub path_prefix: Option<String>,
    /// `utmSource`: the page's `utm_source`.
    pub utm_source: Option<String>,
    /// `utmCampaign`: the page's `utm_campaign`.
    pub utm_campaign: Option<String>,
    /// `visitor`: new or returning.
    pub visitor: Option<Visitor>,
    /// `device`: one of these classes.
    pub devices: Vec<Device>,
}

/// What the rules are checked against.
#[derive(Clone, Debug)]
pub struct Context<'a> {
    /// Now (epoch ms).
    pub now: f64,
    /// The page path.
    pub path: &'a str,
    /// The page's `utm_source`.
    pub utm_source: Option<&'a str>,
    /// The page's `utm_campaign`.
    pub utm_campaign: Option<&'a str>,
    /// The device class.
    pub device: Device,
    /// The profile's topic half-life.
    pub half_life_days: f64,
    /// What the page being viewed is about that the profile does not hold
    /// yet: its `data-kz-topic` until the tracker's page view reaches the
    /// profile, and topic words of its campaign (`utm_campaign`,
    /// `utm_content`) and of the search that led to it. Counted as one
    /// more page view for this decision only, so the very first view uses
    /// them.
    pub page_topics: &'a [String],
}

impl Rules {
    /// Whether any rule is set.
    pub fn is_empty(&self) -> bool {
        *self == Rules::default()
    }

    /// `Ok` when every rule holds; `Err` names the first that does not.
    pub fn check(&self, profile: &Profile, ctx: &Context) -> Result<(), String> {
        if !self.segments.is_empty() {
            let seg = profile.segment(ctx.now);
            if !self.segments.contains(&seg) {
                return Err(cat(&["segment is ", seg.name()]));
            }
        }
        for (topic, min) in &self.min_affinity {
            let a = profile.affinity(topic, ctx.now, ctx.half_life_days);
            if a < *min {
                return Err(cat(&["affinity for ", topic, " is below the minimum"]));
            }
        }
        if let Some(prefix) = &self.path_prefix {
            if !ctx.path.starts_with(prefix.as_str()) {
                return Err(cat(&["path is not under ", prefix]));
            }
        }
        if let Some(src) = &self.utm_source {
            if ctx.utm_source != Some(src.as_str()) {
                return Err(cat(&["utm_source is not ", src]));
            }
        }
        if let Some(c) = &self.utm_campaign {
            if ctx.utm_campaign != Some(c.as_str()) {
                return Err(cat(&["utm_campaign is not ", c]));
            }
        }
        if let Some(v) = self.visitor {
            let is_new = profile.sessions <= 1;
            if (v == Visitor::New) != is_new {
                return Err(if is_new { "a new visitor".into() } else { "a returning visitor".into() });
            }
        }
        if !self.devices.is_empty() && !self.devices.contains(&ctx.device) {
            return Err(cat(&["device is ", ctx.device.name()]));
        }
        Ok(())
    }
}
