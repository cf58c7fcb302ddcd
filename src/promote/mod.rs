pub mod status;
pub mod policy;
