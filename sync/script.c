/*
 * Copyright (c) 2026 The mxallowd developers
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
 * WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
 * MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
 * ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
 * WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
 * ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
 * OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
 */

/*
 * The script that writes a batch of this host's changes into Redis (Lua,
 * loaded once per connection with SCRIPT LOAD, run with EVALSHA).  Redis
 * runs a script atomically, so two hosts changing one entry at once cannot
 * lose each other's change: each entry is merged with what is stored,
 * the later expiry winning and confirmed never going back to 0; the first
 * host's reason and name stay.  What changed in Redis is published in one
 * message; what Redis knew better than we did is returned, so that this
 * host takes it too.  A stored value that is not one of ours (another
 * writer's, or out of bounds) is overwritten.
 *
 *	KEYS[i]		the entries' keys (wire.c)
 *	ARGV[1]		the channel
 *	ARGV[2]		the message header (mxallowd 1 FROM MS)
 *	ARGV[3]		now, ARGV[4] the latest expiry to believe (seconds)
 *	ARGV[4 + i]	"+ NET/LEN EXPIRY REASON CONFIRMED ORIGIN" or "- NET/LEN"
 *
 * The key is passed in KEYS so that ACL key patterns apply to it.
 */

#include "sync.h"

const char sync_script[] =
"local now, latest = tonumber(ARGV[3]), tonumber(ARGV[4])\n"
"local reasons = { ['fake-hit'] = true, rdns = true, manual = true }\n"
"local out, better = { ARGV[2] }, {}\n"
"for i, key in ipairs(KEYS) do\n"
"  local line = ARGV[4 + i]\n"
"  if string.sub(line, 1, 1) == '-' then\n"
"    redis.call('DEL', key)\n"
"    out[#out + 1] = line\n"
"  else\n"
"    local net, exp, reason, conf, origin =\n"
"      string.match(line, '^%+ (%S+) (%d+) (%S+) ([01]) (%S+)$')\n"
"    exp = tonumber(exp)\n"
"    local ours, ourconf, same = exp, conf, false\n"
"    local old = redis.pcall('GETRANGE', key, 0, 255)\n"
"    if type(old) == 'string' then\n"
"      local oexp, oreason, oconf, oorigin = string.match(old,\n"
"        '^1 (%d+) ([%a-]+) ([01]) ([%w._-]+)$')\n"
"      oexp = tonumber(oexp)\n"
"      if oexp and oexp > now and oexp <= latest and reasons[oreason]\n"
"          and string.len(oorigin) < 64 then\n"
"        same = oexp >= exp and (oconf == '1' or conf == '0')\n"
"        if oexp > exp then exp = oexp end\n"
"        if oconf == '1' then conf = '1' end\n"
"        reason, origin = oreason, oorigin\n"
"      end\n"
"    end\n"
"    local e = string.format('%d', exp)\n"
"    local merged = '+ ' .. net .. ' ' .. e .. ' ' .. reason .. ' ' ..\n"
"      conf .. ' ' .. origin\n"
"    if not same and exp > now then\n"
"      redis.call('SET', key, '1 ' .. e .. ' ' .. reason .. ' ' .. conf ..\n"
"        ' ' .. origin, 'EXAT', e)\n"
"      out[#out + 1] = merged\n"
"    end\n"
"    if exp ~= ours or conf ~= ourconf then\n"
"      better[#better + 1] = merged\n"
"    end\n"
"  end\n"
"end\n"
"if #out > 1 then\n"
"  redis.call('PUBLISH', ARGV[1], table.concat(out, '\\n'))\n"
"end\n"
"return better\n";
