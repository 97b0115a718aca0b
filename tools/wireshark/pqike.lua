-- SPDX-License-Identifier: MIT
-- pqike Wireshark plugin: shows what pqike sees in an IKEv2 capture on Wireshark versions whose
-- ISAKMP dissector does not know it yet (Debian 12 ships 4.0):
--   * exchange types 43 IKE_INTERMEDIATE (RFC 9242) and 44 IKE_FOLLOWUP_KE (RFC 9370), also in
--     the Info column instead of "Unknown 43/44";
--   * ML-KEM transform IDs 35/36/37 (draft-ietf-ipsecme-ikev2-mlkem) in Transform Type 4 and in
--     ADDKE1..7 (Transform Types 6..12, RFC 9370), and in the KE payload's method;
--   * the PPK notifies of RFC 8784 and RFC 9867 and the other PQ-migration status types;
--   * the PQC escape message (docs/escape-message.md) inside its Notify (private-use type,
--     pqike's default 44636 = 0xAE5C, a preference): header, every TLV, the sequence number and
--     the tag.
-- It is a postdissector: it reads the ISAKMP dissector's fields (decrypted SK payloads included,
-- when the ikev2_decryption_table has the keys) and adds a "pqike" tree after ISAKMP.
-- Load it with `wireshark -X lua_script:pqike.lua` / `tshark -X lua_script:pqike.lua`, or copy it
-- to the personal plugin folder (~/.local/lib/wireshark/plugins/); `cmake --install` puts it in
-- <prefix>/lib/wireshark/plugins/.

local pqike_version = "1"

-- ---- names ------------------------------------------------------------------------------------

local exchange_names = {
    [34] = "IKE_SA_INIT", [35] = "IKE_AUTH", [36] = "CREATE_CHILD_SA", [37] = "INFORMATIONAL",
    [43] = "IKE_INTERMEDIATE", [44] = "IKE_FOLLOWUP_KE",
}
-- Exchanges Wireshark 4.0 does not name.
local new_exchanges = { [43] = true, [44] = true }

local ke_names = {
    [0] = "NONE",
    [14] = "2048-bit MODP", [19] = "256-bit random ECP", [20] = "384-bit random ECP",
    [21] = "521-bit random ECP", [31] = "Curve25519", [32] = "Curve448",
    [35] = "ML-KEM-512", [36] = "ML-KEM-768", [37] = "ML-KEM-1024",
}
local transform_type_names = {
    [1] = "ENCR", [2] = "PRF", [3] = "INTEG", [4] = "KE", [5] = "ESN",
    [6] = "ADDKE1", [7] = "ADDKE2", [8] = "ADDKE3", [9] = "ADDKE4", [10] = "ADDKE5",
    [11] = "ADDKE6", [12] = "ADDKE7",
}

local notify_names = {
    [16430] = "IKEV2_FRAGMENTATION_SUPPORTED",
    [16431] = "SIGNATURE_HASH_ALGORITHMS",
    [16435] = "USE_PPK",
    [16436] = "PPK_IDENTITY",
    [16437] = "NO_PPK_AUTH",
    [16438] = "INTERMEDIATE_EXCHANGE_SUPPORTED",
    [16441] = "ADDITIONAL_KEY_EXCHANGE",
    [16442] = "USE_AGGFRAG",
    [16445] = "USE_PPK_INT",
    [16446] = "PPK_IDENTITY_KEY",
}

local escape_types = { [1] = "ESCAPE", [2] = "ESCAPE_ACK", [3] = "ESCAPE_NACK", [4] = "ESCAPE_CONFIRM" }
local tlv_names = {
    [1] = "SEQUENCE", [2] = "TIMESTAMP", [3] = "NONCE", [4] = "KEY_ID", [5] = "SA_BINDING",
    [6] = "KE_METHODS", [7] = "PROCEDURE", [8] = "DEADLINE", [9] = "REASON", [10] = "PPK_ID",
    [11] = "STATUS", [12] = "SELECTED_METHOD", [13] = "ECHOED_NONCE", [14] = "TAG",
}
local procedure_names = { [1] = "IKE SA rekey" }
local reason_names = {
    [0] = "unspecified", [1] = "quantum threat", [2] = "administrative", [3] = "scheduled",
    [4] = "compromise suspected",
}
local status_names = {
    [0] = "accepted", [1] = "unsupported method", [2] = "unsupported procedure", [3] = "unknown PPK",
    [4] = "busy", [5] = "refused by policy",
}

-- ---- protocol and fields ----------------------------------------------------------------------

local pqike = Proto("pqike", "pqike IKEv2 (PQ migration)")
local pf = {
    exchange = ProtoField.uint8("pqike.exchange", "Exchange type", base.DEC, exchange_names),
    transform = ProtoField.uint16("pqike.transform", "Transform ID", base.DEC, ke_names),
    transform_type = ProtoField.uint8("pqike.transform.type", "Transform Type", base.DEC, transform_type_names),
    ke_method = ProtoField.uint16("pqike.ke_method", "KE method", base.DEC, ke_names),
    notify = ProtoField.uint16("pqike.notify", "Notify Message Type", base.DEC, notify_names),

    esc = ProtoField.bytes("pqike.escape", "PQC escape message"),
    esc_magic = ProtoField.string("pqike.escape.magic", "Magic"),
    esc_version = ProtoField.uint8("pqike.escape.version", "Version"),
    esc_type = ProtoField.uint8("pqike.escape.type", "Message Type", base.DEC, escape_types),
    esc_flags = ProtoField.uint8("pqike.escape.flags", "Flags", base.HEX),
    esc_broadcast = ProtoField.bool("pqike.escape.flags.broadcast", "BROADCAST", 8, nil, 0x01),
    esc_answer = ProtoField.bool("pqike.escape.flags.answer", "ANSWER", 8, nil, 0x02),
    esc_length = ProtoField.uint16("pqike.escape.length", "Length"),

    tlv = ProtoField.bytes("pqike.escape.tlv", "TLV"),
    tlv_critical = ProtoField.bool("pqike.escape.tlv.critical", "Critical", 16, nil, 0x8000),
    tlv_type = ProtoField.uint16("pqike.escape.tlv.type", "Type", base.DEC, tlv_names, 0x7fff),
    tlv_length = ProtoField.uint16("pqike.escape.tlv.length", "Value Length"),
    tlv_value = ProtoField.bytes("pqike.escape.tlv.value", "Value"),

    sequence = ProtoField.uint64("pqike.escape.sequence", "Sequence Number"),
    timestamp = ProtoField.uint64("pqike.escape.timestamp", "Timestamp (s since 1970)"),
    nonce = ProtoField.bytes("pqike.escape.nonce", "Nonce"),
    key_id = ProtoField.bytes("pqike.escape.key_id", "Key ID"),
    sa_binding = ProtoField.bytes("pqike.escape.sa_binding", "SA Binding"),
    ke_methods = ProtoField.uint16("pqike.escape.ke_method", "KE Method", base.DEC, ke_names),
    procedure = ProtoField.uint8("pqike.escape.procedure", "Procedure", base.DEC, procedure_names),
    deadline = ProtoField.uint32("pqike.escape.deadline", "Deadline (s)"),
    reason = ProtoField.uint8("pqike.escape.reason", "Reason", base.DEC, reason_names),
    reason_text = ProtoField.string("pqike.escape.reason_text", "Reason Text", base.UNICODE),
    ppk_id = ProtoField.bytes("pqike.escape.ppk_id", "PPK ID"),
    status = ProtoField.uint8("pqike.escape.status", "Status", base.DEC, status_names),
    selected_method = ProtoField.uint16("pqike.escape.selected_method", "Selected Method", base.DEC, ke_names),
    echoed_nonce = ProtoField.bytes("pqike.escape.echoed_nonce", "Echoed Nonce"),
    tag = ProtoField.bytes("pqike.escape.tag", "Tag"),
}
pqike.fields = pf

local ef = {
    malformed = ProtoExpert.new("pqike.escape.malformed", "Malformed escape message", expert.group.MALFORMED,
                                expert.severity.ERROR),
    unknown_critical = ProtoExpert.new("pqike.escape.unknown_critical", "Unknown critical TLV (receiver rejects)",
                                       expert.group.PROTOCOL, expert.severity.WARN),
}
pqike.experts = { ef.malformed, ef.unknown_critical }

pqike.prefs.escape_notify = Pref.uint("Escape Notify type", 44636,
                                      "Notify Message Type that carries the escape message (pqike default 44636 = 0xAE5C)")

-- Fields of the ISAKMP dissector this postdissector reads.
local f_exchange = Field.new("isakmp.exchangetype")
local f_tf_type = Field.new("isakmp.tf.type")
local f_ke_group = Field.new("isakmp.key_exchange.dh_group")
local f_notify_type = Field.new("isakmp.notify.msgtype")

-- ---- the escape message -----------------------------------------------------------------------

local function hex(range) return tostring(range:bytes()):lower() end

-- The typed item of one known TLV's value; returns a short text for the TLV's summary.
local function tlv_value(t, tree, v, vlen)
    local fixed = { [1] = 8, [2] = 8, [7] = 1, [8] = 4, [11] = 1, [12] = 2 }
    if fixed[t] and vlen ~= fixed[t] then return nil end
    if t == 1 then tree:add(pf.sequence, v); return tostring(v:uint64())
    elseif t == 2 then tree:add(pf.timestamp, v); return tostring(v:uint64())
    elseif t == 3 then tree:add(pf.nonce, v); return hex(v)
    elseif t == 4 then tree:add(pf.key_id, v); return hex(v)
    elseif t == 5 then tree:add(pf.sa_binding, v); return hex(v)
    elseif t == 6 then
        if vlen % 2 ~= 0 then return nil end
        local names = {}
        for i = 0, vlen - 2, 2 do
            local m = v(i, 2):uint()
            tree:add(pf.ke_methods, v(i, 2))
            names[#names + 1] = (ke_names[m] or "unknown") .. " (" .. m .. ")"
        end
        return table.concat(names, ", ")
    elseif t == 7 then tree:add(pf.procedure, v); return tostring(v:uint())
    elseif t == 8 then tree:add(pf.deadline, v); return tostring(v:uint())
    elseif t == 9 then
        if vlen < 1 then return nil end
        tree:add(pf.reason, v(0, 1))
        if vlen > 1 then tree:add(pf.reason_text, v(1, vlen - 1)) end
        return reason_names[v(0, 1):uint()] or tostring(v(0, 1):uint())
    elseif t == 10 then tree:add(pf.ppk_id, v); return hex(v)
    elseif t == 11 then tree:add(pf.status, v); return status_names[v:uint()] or tostring(v:uint())
    elseif t == 12 then tree:add(pf.selected_method, v); return ke_names[v:uint()] or tostring(v:uint())
    elseif t == 13 then tree:add(pf.echoed_nonce, v); return hex(v)
    elseif t == 14 then tree:add(pf.tag, v); return hex(v)
    end
    return nil
end

-- Dissects one escape message in `r` (a TvbRange); returns the message type name and sequence.
local function dissect_escape(r, tree)
    local len = r:len()
    local et = tree:add(pf.esc, r)
    et:set_text("PQC escape message")
    if len < 8 or r(0, 3):string() ~= "PQE" then
        et:add_proto_expert_info(ef.malformed, "not an escape message (magic PQE, 8-octet header)")
        return nil
    end
    et:add(pf.esc_magic, r(0, 3))
    et:add(pf.esc_version, r(3, 1))
    et:add(pf.esc_type, r(4, 1))
    local ft = et:add(pf.esc_flags, r(5, 1))
    ft:add(pf.esc_broadcast, r(5, 1))
    ft:add(pf.esc_answer, r(5, 1))
    local lt = et:add(pf.esc_length, r(6, 2))
    local mlen = r(6, 2):uint()
    if mlen ~= len then lt:add_proto_expert_info(ef.malformed, "Length " .. mlen .. " but the Notify carries " .. len) end
    local tname = escape_types[r(4, 1):uint()] or ("type " .. r(4, 1):uint())
    local seq
    local at, n = 8, 0
    local stop = math.min(mlen, len)
    while at + 4 <= stop do
        local word = r(at, 2):uint()
        local t = bit.band(word, 0x7fff)
        local vlen = r(at + 2, 2):uint()
        if at + 4 + vlen > stop then
            et:add_proto_expert_info(ef.malformed, "TLV at offset " .. at .. " runs past the message")
            break
        end
        n = n + 1
        local tt = et:add(pf.tlv, r(at, 4 + vlen))
        tt:add(pf.tlv_critical, r(at, 2))
        tt:add(pf.tlv_type, r(at, 2))
        tt:add(pf.tlv_length, r(at + 2, 2))
        local summary
        if vlen > 0 then
            local v = r(at + 4, vlen)
            tt:add(pf.tlv_value, v)
            summary = tlv_value(t, tt, v, vlen)
            if t == 1 and vlen == 8 then seq = v:uint64() end
        end
        local name = tlv_names[t] or "unknown"
        tt:set_text("TLV " .. name .. " (" .. t .. ")" .. (bit.band(word, 0x8000) ~= 0 and " [C]" or "") ..
                    ", " .. vlen .. " octets" .. (summary and (": " .. summary) or ""))
        if not tlv_names[t] and bit.band(word, 0x8000) ~= 0 then tt:add_proto_expert_info(ef.unknown_critical) end
        at = at + 4 + vlen
    end
    if at ~= stop then et:add_proto_expert_info(ef.malformed, (stop - at) .. " octets after the last TLV") end
    et:set_text("PQC escape message: " .. tname .. (seq and (", sequence " .. tostring(seq)) or "") ..
                ", " .. n .. " TLVs, " .. len .. " octets")
    return tname, seq
end

-- ---- postdissector ----------------------------------------------------------------------------

function pqike.dissector(tvb, pinfo, tree)
    local exchanges = { f_exchange() }
    local tf_types = { f_tf_type() }
    local ke_groups = { f_ke_group() }
    local notifies = { f_notify_type() }
    if #exchanges == 0 then return end

    local items = {}
    local root
    local function subtree()
        if not root then root = tree:add(pqike, tvb(0, 0)); root:set_text("pqike IKEv2 (PQ migration)") end
        return root
    end

    local info = tostring(pinfo.cols.info)
    local info_new = info
    for _, fi in ipairs(exchanges) do
        local x = fi.value
        if new_exchanges[x] then
            subtree():add(pf.exchange, fi.range)
            info_new = info_new:gsub("Unknown " .. x, exchange_names[x])
        end
    end

    -- Transform Type 4 (KE) and 6..12 (ADDKE1..7): type at offset 0, ID at offset 2 of the same
    -- transform substructure fields (type, reserved, ID).
    for _, fi in ipairs(tf_types) do
        local t = fi.value
        if t == 4 or (t >= 6 and t <= 12) then
            local src = fi.source
            local off = fi.offset
            if src and off + 4 <= src:len() then
                local r = src(off + 2, 2)
                local id = r:uint()
                local it = subtree():add(pf.transform, r)
                it:set_text("Transform ID (" .. transform_type_names[t] .. "): " .. (ke_names[id] or "unknown") ..
                            " (" .. id .. ")")
            end
        end
    end
    for _, fi in ipairs(ke_groups) do
        subtree():add(pf.ke_method, fi.range)
    end

    local escape_type = pqike.prefs.escape_notify
    local esc_info = {}
    for _, fi in ipairs(notifies) do
        local nt = fi.value
        if notify_names[nt] then
            subtree():add(pf.notify, fi.range)
        elseif nt == escape_type then
            -- Notify payload: generic header (4), Protocol ID (1), SPI Size (1), type (2), SPI, data.
            local src, off = fi.source, fi.offset
            if src and off >= 6 then
                local plen = src(off - 4, 2):uint()
                local spi = src(off - 1, 1):uint()
                local dlen = plen - 8 - spi
                local it = subtree():add(pf.notify, fi.range)
                it:set_text("Notify Message Type: PQIKE_ESCAPE (" .. nt .. ")")
                if dlen > 0 and off + 2 + spi + dlen <= src:len() then
                    local tname, seq = dissect_escape(src(off + 2 + spi, dlen), it)
                    if tname then esc_info[#esc_info + 1] = tname .. (seq and (" seq=" .. tostring(seq)) or "") end
                end
            end
        end
    end
    if #esc_info > 0 then info_new = info_new .. " [" .. table.concat(esc_info, ", ") .. "]" end
    if info_new ~= info then pinfo.cols.info:set(info_new) end
end

register_postdissector(pqike)
