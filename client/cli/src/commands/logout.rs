//! `ccwb logout`: forgets the selected profile's stored sign-in.

use crate::error::CliError;
use crate::output::Out;
use crate::session::Session;
use crate::tokens;

/// Forgets the stored sign-in of the selected profile.
pub fn run(session: &Session, out: &mut Out<'_>) -> Result<(), CliError> {
    let (name, _) = session.require_profile("no profile selected")?;
    if tokens::delete(&name)? {
        out.note(format!("Signed out of {name}."))
    } else {
        out.note(format!("Not signed in to {name}."))
    }
}
