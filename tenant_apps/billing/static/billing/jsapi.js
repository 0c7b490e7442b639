// Paying inside WeChat (JSAPI): hands the server's signed parameters (appId, timeStamp,
// nonceStr, package, signType, paySign) to WeChat's own bridge. The page's status polling
// (huiji.js, data-status-url) moves on once the payment notification has arrived.
(function () {
  "use strict";
  var data = document.getElementById("wechat-jsapi");
  if (!data) { return; }
  var params = JSON.parse(data.textContent);
  function pay() {
    if (!window.WeixinJSBridge) { return; }
    window.WeixinJSBridge.invoke("getBrandWCPayRequest", params, function () {});
  }
  var again = document.getElementById("wechat-pay");
  if (again) { again.addEventListener("click", pay); }
  if (window.WeixinJSBridge) {
    pay();
  } else {
    document.addEventListener("WeixinJSBridgeReady", pay, false);
  }
})();
