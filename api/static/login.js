// The dashboard's login: a bearer token from POST /auth/token, kept for this tab only
// (sessionStorage), sent on every read and download; a 401 asks for the login again.
(function () {
  "use strict";
  var KEY = "giamngheo.token";
  function $(id) { return document.getElementById(id); }
  function token() { return sessionStorage.getItem(KEY); }
  function header() {
    var t = token();
    return t ? {"Authorization": "Bearer " + t} : {};
  }
  function me() {
    return fetch("/users/me", {headers: Object.assign({"Accept": "application/json"}, header())})
      .then(function (r) { return r.ok ? r.json() : null; });
  }
  function showForm(message) {
    $("login").hidden = false;
    $("who").hidden = true;
    $("login-message").textContent = message || "";
    $("status").hidden = true;
    document.body.dataset.state = "login";
    $("login-username").focus();
  }
  function signedIn(user, ready) {
    $("login").hidden = true;
    $("who").hidden = false;
    $("status").hidden = false;
    $("who-name").textContent = user.username + " (" + user.role + ", " + user.unit_code + ")";
    ready(user);
  }
  function require(ready) {
    $("logout").addEventListener("click", function () {
      sessionStorage.removeItem(KEY);
      location.reload();
    });
    $("login").addEventListener("submit", function (event) {
      event.preventDefault();
      var body = new URLSearchParams();
      body.set("username", $("login-username").value);
      body.set("password", $("login-password").value);
      fetch("/auth/token", {method: "POST", body: body}).then(function (r) {
        return r.json().then(function (answer) {
          if (!r.ok) throw new Error(answer.detail || r.status);
          sessionStorage.setItem(KEY, answer.access_token);
          $("login-password").value = "";
          return me();
        });
      }).then(function (user) {
        if (user) signedIn(user, ready); else showForm("Không đăng nhập được / could not log in");
      }).catch(function (error) {
        showForm("Sai tên đăng nhập hoặc mật khẩu / " + error.message);
      });
    });
    if (!token()) { showForm(); return; }
    me().then(function (user) {
      if (user) signedIn(user, ready); else showForm("Phiên đã hết hạn / session expired");
    });
  }
  function expired() {
    sessionStorage.removeItem(KEY);
    showForm("Phiên đã hết hạn, xin đăng nhập lại / session expired, log in again");
  }
  // A link cannot send a header: fetch the workbook with the token, then save it.
  function download(url) {
    return fetch(url, {headers: header()}).then(function (r) {
      if (r.status === 401) { expired(); throw new Error("401"); }
      if (!r.ok) throw new Error(url + ": " + r.status);
      var name = (r.headers.get("Content-Disposition") || "").match(/filename="?([^";]+)"?/);
      return r.blob().then(function (blob) {
        var link = document.createElement("a");
        link.href = URL.createObjectURL(blob);
        link.download = name ? name[1] : "giamngheo.xlsx";
        document.body.appendChild(link);
        link.click();
        link.remove();
      });
    });
  }
  window.dashboardAuth = {header: header, require: require, expired: expired, download: download};
})();
