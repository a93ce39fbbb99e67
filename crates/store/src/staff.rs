//! The survey office's users and their sessions. Passwords arrive here already hashed
//! (argon2id, by the web crate); session cookies are stored only as their SHA-256.

use crate::{Result, Store, StoreError, now, random_hex, token_hash};
use sqlx::Row;

/// What a user may do: an admin everything; an analyst only results; a reviewer only review.
/// `Hub` is a person of an organisation of the device security hub (hub.rs): never one of the
/// office's users, whatever else it may do on the hub's pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Analyst,
    Reviewer,
    Hub,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Analyst => "analyst",
            Role::Reviewer => "reviewer",
            Role::Hub => "hub",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "admin" => Some(Role::Admin),
            "analyst" => Some(Role::Analyst),
            "reviewer" => Some(Role::Reviewer),
            "hub" => Some(Role::Hub),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct User {
    pub id: String,
    pub login: String,
    pub name: String,
    pub role: Role,
    pub active: bool,
    /// The hub organisation of a hub person (empty for the office's users).
    pub org_id: String,
    /// A hub person's role in its organisation: `admin` or `member`.
    pub hub_role: String,
}

/// A signed-in user and the session's CSRF token.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    pub csrf: String,
}

/// How long a session lasts without signing in again.
pub const SESSION_SECONDS: i64 = 8 * 3600;

pub(crate) fn user_from(r: &sqlx::any::AnyRow) -> Result<User> {
    let role: String = r.try_get("role")?;
    let active: i64 = r.try_get("active")?;
    Ok(User {
        id: r.try_get("id")?,
        login: r.try_get("login")?,
        name: r.try_get("name")?,
        role: Role::parse(&role).ok_or_else(|| StoreError(format!("unknown role {role}")))?,
        active: active != 0,
        org_id: r.try_get("org_id")?,
        hub_role: r.try_get("hub_role")?,
    })
}

impl Store {
    pub async fn create_user(&self, login: &str, name: &str, role: Role, password_hash: &str) -> Result<String> {
        let id = random_hex(8);
        sqlx::query("INSERT INTO users (id, login, name, role, password_hash, active, created_at) VALUES ($1, $2, $3, $4, $5, 1, $6)")
            .bind(&id)
            .bind(login)
            .bind(name)
            .bind(role.as_str())
            .bind(password_hash)
            .bind(now())
            .execute(&self.pool)
            .await?;
        Ok(id)
    }

    pub async fn users(&self) -> Result<Vec<User>> {
        // The office's users only: the hub's people are listed by their organisations.
        let rows = sqlx::query(
            "SELECT id, login, name, role, active, org_id, hub_role FROM users WHERE role <> 'hub' ORDER BY login",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(user_from).collect()
    }

    pub async fn user_count(&self) -> Result<i64> {
        Ok(sqlx::query("SELECT COUNT(*) AS n FROM users WHERE role <> 'hub'")
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?)
    }

    /// A user and its password hash, by login name.
    pub async fn user_for_login(&self, login: &str) -> Result<Option<(User, String)>> {
        let row = sqlx::query(
            "SELECT id, login, name, role, active, org_id, hub_role, password_hash FROM users WHERE login = $1",
        )
        .bind(login)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| Ok((user_from(&r)?, r.try_get("password_hash")?))).transpose()
    }

    pub async fn update_user(&self, id: &str, role: Role, active: bool) -> Result<()> {
        // The office's users page edits the office's users only, never a hub person.
        sqlx::query("UPDATE users SET role = $1, active = $2 WHERE id = $3 AND role <> 'hub'")
            .bind(role.as_str())
            .bind(i64::from(active))
            .bind(id)
            .execute(&self.pool)
            .await?;
        if !active {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id).execute(&self.pool).await?;
        }
        Ok(())
    }

    pub async fn set_password(&self, id: &str, password_hash: &str) -> Result<()> {
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(id)
            .execute(&self.pool)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id).execute(&self.pool).await?;
        Ok(())
    }

    /// Starts a session; returns the cookie value (256 random bits).
    pub async fn create_session(&self, user_id: &str) -> Result<String> {
        let token = random_hex(32);
        let now = now();
        sqlx::query("DELETE FROM sessions WHERE expires_at < $1").bind(now).execute(&self.pool).await?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash(&token))
        .bind(user_id)
        .bind(random_hex(32))
        .bind(now)
        .bind(now + SESSION_SECONDS)
        .execute(&self.pool)
        .await?;
        Ok(token)
    }

    /// The live session of an active user for a cookie value.
    pub async fn session(&self, token: &str) -> Result<Option<Session>> {
        let row = sqlx::query(
            "SELECT u.id, u.login, u.name, u.role, u.active, u.org_id, u.hub_role, s.csrf FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.active = 1",
        )
        .bind(token_hash(token))
        .bind(now())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| Ok(Session { user: user_from(&r)?, csrf: r.try_get("csrf")? })).transpose()
    }

    pub async fn end_session(&self, token: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash(token)).execute(&self.pool).await?;
        Ok(())
    }
}
