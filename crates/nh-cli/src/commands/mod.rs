//! One module per `nh` subcommand.

pub mod bench;
pub mod corpus;
pub mod eval;
pub mod hash;
pub mod info;
pub mod pyhash;
pub mod replot;
pub mod reproduce;
pub mod train;
pub mod train_sharded;
