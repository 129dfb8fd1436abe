// Switchboard webhook for Zabbix 6.0 and later. Zabbix runs this in Duktape: ES5 only.
// It forwards the media type's parameters (the event, as Zabbix macros filled them in) to
// Switchboard's POST <url>/api/v1/alerts/zabbix. The token travels in the Authorization header
// and never in the body. Switchboard answers 202 once the alert is stored; anything else is thrown,
// so Zabbix marks the alert failed and retries it (Attempts / Attempt interval of the media type).
// This file is byte-identical to the script inside switchboard_mediatype.yaml (a unit test checks).
var LOG_PREFIX = '[Switchboard webhook] ';

// Parameters that configure the transport and are not part of the event.
var TRANSPORT_PARAMS = { url: true, token: true, http_proxy: true };

// True for a parameter left empty or as an unexpanded macro such as {$SWITCHBOARD.URL}.
function isUnset(value) {
    return typeof value !== 'string' || value.trim() === '' || /^\{\$?[A-Z][A-Z0-9_.]*\}$/.test(value.trim());
}

function eventPayload(params) {
    var payload = {};
    for (var key in params) {
        if (Object.prototype.hasOwnProperty.call(params, key) && !TRANSPORT_PARAMS[key]) {
            payload[key] = params[key];
        }
    }
    return payload;
}

try {
    var params = JSON.parse(value);
    if (isUnset(params.url)) {
        throw 'the "url" parameter is not set: define the global macro {$SWITCHBOARD.URL} or edit the media type';
    }
    if (isUnset(params.token)) {
        throw 'the "token" parameter is not set: define the global macro {$SWITCHBOARD.TOKEN} or edit the media type';
    }
    var payload = eventPayload(params);
    var endpoint = params.url.trim().replace(/\/+$/, '') + '/api/v1/alerts/zabbix';
    var req = new HttpRequest();
    if (!isUnset(params.http_proxy)) {
        req.setProxy(params.http_proxy);
    }
    req.addHeader('Content-Type: application/json');
    req.addHeader('Authorization: Bearer ' + params.token.trim());
    Zabbix.log(4, LOG_PREFIX + 'POST ' + endpoint + ' event_id=' + payload.event_id +
        ' event_value=' + payload.event_value + ' event_update_status=' + payload.event_update_status);
    var resp = req.post(endpoint, JSON.stringify(payload));
    Zabbix.log(4, LOG_PREFIX + 'Switchboard answered ' + req.getStatus() + ': ' + resp);
    if (req.getStatus() != 202) {
        throw 'Switchboard answered ' + req.getStatus() + ': ' + resp;
    }
    return 'OK';
} catch (error) {
    Zabbix.log(3, LOG_PREFIX + 'sending failed: ' + error);
    throw 'Switchboard webhook failed: ' + error;
}
