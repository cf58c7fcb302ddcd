//! Who runs this process, named as a person reads it (design §10): the user a
//! state root belongs to, the user a refused run was, and who decided an
//! approval or a silence.

/// The effective user id of this process.
pub fn effective_uid() -> u32 {
    // SAFETY: geteuid takes nothing and cannot fail.
    unsafe { libc::geteuid() }
}

/// The account name of `uid` (from the system's user database), if it has one.
pub fn account_name(uid: u32) -> Option<String> {
    let mut buffer = vec![0 as libc::c_char; 4096];
    loop {
        // SAFETY: an all-zero passwd is a valid value of the plain C struct.
        let mut entry: libc::passwd = unsafe { std::mem::zeroed() };
        let mut found: *mut libc::passwd = std::ptr::null_mut();
        // SAFETY: every pointer is valid for the call and the buffer's length
        // is its real length; the strings written into `entry` point into
        // `buffer`, which outlives their use below.
        let code = unsafe {
            libc::getpwuid_r(
                uid,
                &mut entry,
                buffer.as_mut_ptr(),
                buffer.len(),
                &mut found,
            )
        };
        if code == libc::ERANGE && buffer.len() < 1 << 20 {
            buffer.resize(buffer.len() * 4, 0);
            continue;
        }
        if code != 0 || found.is_null() || entry.pw_name.is_null() {
            return None;
        }
        // SAFETY: getpwuid_r succeeded, so pw_name is a NUL-terminated string
        // inside `buffer`.
        let name = unsafe { std::ffi::CStr::from_ptr(entry.pw_name) };
        let name = name.to_string_lossy().into_owned();
        return (!name.is_empty()).then_some(name);
    }
}

/// `uid` as a person reads it: its account name, else `uid N`.
pub fn describe(uid: u32) -> String {
    account_name(uid).unwrap_or_else(|| format!("uid {uid}"))
}

/// Who decides an approval, a rejection or a silence: `--by`, else the user
/// who ran `sudo` (`$SUDO_USER`: `sudo -u tend tend promote approve …` is
/// that person's decision, not the service user's), else `$USER`, else
/// `$LOGNAME`, else the account of the process's user, else `uid N`.
pub fn operator(by: Option<&str>) -> String {
    let var = |name: &str| std::env::var(name).ok();
    let uid = effective_uid();
    choose_operator(
        [
            by.map(str::to_string),
            var("SUDO_USER"),
            var("USER"),
            var("LOGNAME"),
        ],
        || account_name(uid),
        uid,
    )
}

/// The first non-blank of `given` (in order), else the account, else `uid N`.
fn choose_operator(
    given: [Option<String>; 4],
    account: impl FnOnce() -> Option<String>,
    uid: u32,
) -> String {
    given
        .into_iter()
        .flatten()
        .map(|name| name.trim().to_string())
        .find(|name| !name.is_empty())
        .or_else(account)
        .unwrap_or_else(|| format!("uid {uid}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn some(name: &str) -> Option<String> {
        Some(name.to_string())
    }

    #[test]
    fn the_operator_is_the_first_name_given_then_the_account() {
        let account = || some("svc");
        // --by, SUDO_USER, USER, LOGNAME: the first non-blank wins.
        let all = [some("bob"), some("alice"), some("tend"), some("tend")];
        assert_eq!(choose_operator(all, account, 7), "bob");
        let sudo = [None, some("alice"), some("tend"), some("tend")];
        assert_eq!(choose_operator(sudo, account, 7), "alice");
        let blank = [some("  "), None, some(""), some("carol")];
        assert_eq!(choose_operator(blank, account, 7), "carol");
        // Nothing in the environment: the same name for every command.
        assert_eq!(choose_operator([None, None, None, None], account, 7), "svc");
        assert_eq!(
            choose_operator([None, None, None, None], || None, 7),
            "uid 7"
        );
    }

    #[test]
    fn the_superuser_has_a_name() {
        assert_eq!(account_name(0).as_deref(), Some("root"));
        assert_eq!(describe(0), "root");
        assert_eq!(describe(4_000_000_000), "uid 4000000000");
    }
}
