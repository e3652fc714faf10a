// Step 30 of the JAX-WS scenario: the change log (Discovery service, getContentChanges; see
// ../README.md).
//
// 30a reads repository info's latestChangeLogToken (and capabilityChanges) on the Repository port
// before the object steps: Scenario.main (Scenario10.main) runs it between steps 10 and 11. After step 29, 30b reads the
// log from that token on (the token is inclusive) in one page and looks for the events steps 12-29
// must have left; 30c reads it again two events at a time, each page from the changeLogToken the one
// before answered (an in/out Holder<String>), and compares. The Discovery port is set up like every
// port of steps 11-29 (MoreServices.port).

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import javax.xml.ws.Holder;

import org.oasis_open.docs.ns.cmis.core._200908.CmisChangeEventType;
import org.oasis_open.docs.ns.cmis.core._200908.CmisObjectType;
import org.oasis_open.docs.ns.cmis.core._200908.CmisRepositoryCapabilitiesType;
import org.oasis_open.docs.ns.cmis.core._200908.CmisRepositoryInfoType;
import org.oasis_open.docs.ns.cmis.core._200908.EnumCapabilityChanges;
import org.oasis_open.docs.ns.cmis.messaging._200908.CmisObjectListType;
import org.oasis_open.docs.ns.cmis.ws._200908.DiscoveryServicePort;
import org.oasis_open.docs.ns.cmis.ws._200908.RepositoryServicePort;

class ChangeLog {
    static final int MAX_ITEMS = 1000; // cmisd's largest page; 30b checks that the log fits

    static final String[][] STEPS = {
        {"30a.getRepositoryInfo(latestChangeLogToken)", "getRepositoryInfo"},
        {"30b.getContentChanges", "getContentChanges"},
        {"30c.getContentChanges(maxItems=2)", "getContentChanges"},
    };

    final Map<String, String> ops = new LinkedHashMap<>();
    final Map<String, Object> st = new LinkedHashMap<>();

    ChangeLog() {
        for (String[] s : STEPS) ops.put(s[0], s[1]);
    }

    void step(String name, Steps.Step s, String... needs) {
        List<String> missing = new ArrayList<>();
        for (String k : needs) if (st.get(k) == null) missing.add(k);
        if (!missing.isEmpty()) {
            Steps.skip(name, ops.get(name), "no " + String.join(", ", missing) + " (an earlier step failed)");
            return;
        }
        Steps.run(name, ops.get(name), s);
    }

    String s(String k) { return (String) st.get(k); }

    /** 30a, before the object steps. */
    void start(String repo, RepositoryServicePort repoPort) {
        if (repo == null) {
            Steps.skip(STEPS[0][0], STEPS[0][1], "no repositoryId");
            return;
        }
        step("30a.getRepositoryInfo(latestChangeLogToken)", () -> {
            CmisRepositoryInfoType info = repoPort.getRepositoryInfo(repo, null);
            CmisRepositoryCapabilitiesType caps = info.getCapabilities();
            EnumCapabilityChanges ch = caps == null ? null : caps.getCapabilityChanges();
            Steps.expect(ch == EnumCapabilityChanges.ALL, "capabilityChanges=" + (ch == null ? null : ch.value()) + ", wanted all");
            String tok = info.getLatestChangeLogToken();
            Steps.expect(tok != null && !tok.isEmpty(), "latestChangeLogToken=" + tok);
            st.put("token", tok);
            System.err.println("note: latestChangeLogToken before the object steps: " + tok);
        });
    }

    /** "objectId changeType changeTime" of each event of a getContentChanges answer, in log order;
     *  every event must carry all three. */
    static List<String> events(CmisObjectListType l) throws Exception {
        Steps.expect(l != null, "no objects in the answer");
        List<String> out = new ArrayList<>();
        for (CmisObjectType o : l.getObjects()) {
            Object id = ObjectNavigation.one(o, "cmis:objectId");
            CmisChangeEventType ev = o.getChangeEventInfo();
            Steps.expect(id != null, "an event without cmis:objectId");
            Steps.expect(ev != null, "the event of " + id + " has no changeEventInfo");
            Steps.expect(ev.getChangeType() != null, "the event of " + id + " has no changeType");
            Steps.expect(ev.getChangeTime() != null, "the " + ev.getChangeType().value() + " event of " + id + " has no changeTime");
            out.add(id + " " + ev.getChangeType().value() + " " + ev.getChangeTime().toXMLFormat());
        }
        return out;
    }

    static int indexOf(List<String> events, String idAndType) {
        for (int i = 0; i < events.size(); i++) if (events.get(i).startsWith(idAndType + " ")) return i;
        return -1;
    }

    /** 30b and 30c, after step 29, with what steps 11-21 (on) and 22-29 (ms) left in their state. */
    void end(String base, String user, String password, String repo, Map<String, Object> on, Map<String, Object> ms) {
        for (String k : new String[] {"folder", "doc", "renamed", "treeDeleted"}) if (on.get(k) != null) st.put(k, on.get(k));
        for (String k : new String[] {"target", "closed"}) if (ms.get(k) != null) st.put(k, ms.get(k));
        DiscoveryServicePort disc = null;
        if (st.get("token") != null) {
            try {
                disc = MoreServices.port(base, "DiscoveryService", user, password, DiscoveryServicePort.class);
                st.put("disc", disc);
            } catch (Throwable e) {
                Steps.failed++;
                System.out.println("FAIL " + Steps.FW + " 30.loadWSDL(Discovery): GET ?wsdl " + Steps.describe(e));
                e.printStackTrace();
            }
        }
        final DiscoveryServicePort d = disc;

        step("30b.getContentChanges", () -> {
            Holder<String> tok = new Holder<>(s("token"));
            Holder<CmisObjectListType> objs = new Holder<>();
            d.getContentChanges(repo, tok, false, null, null, null, BigInteger.valueOf(MAX_ITEMS), null, objs);
            List<String> evs = events(objs.value);
            Steps.expect(!objs.value.isHasMoreItems(), "hasMoreItems true with maxItems " + MAX_ITEMS);
            Steps.expect(tok.value != null && !tok.value.isEmpty(), "no changeLogToken in the answer (" + evs.size() + " events)");
            String[][] want = {
                {s("folder"), "created", "the folder of step 12"},
                {s("doc"), "updated", "the document renamed in step 16a"},
                {s("target"), "security", "the ACL change of step 27a"},
                {s("doc"), "deleted", "the document deleteTree removed in step 21a"},
            };
            List<String> missing = new ArrayList<>();
            for (String[] w : want) if (indexOf(evs, w[0] + " " + w[1]) < 0) missing.add(w[1] + " " + w[0] + " (" + w[2] + ")");
            Steps.expect(missing.isEmpty(), evs.size() + " events from token " + s("token") + " lack: " + String.join("; ", missing));
            Steps.expect(indexOf(evs, s("folder") + " created") < indexOf(evs, s("doc") + " deleted"),
                "the deletion of the document comes before the creation of its folder");
            Map<String, Integer> counts = new TreeMap<>();
            for (String e : evs) counts.merge(e.split(" ")[1], 1, Integer::sum);
            System.err.println("note: getContentChanges from " + s("token") + ": " + evs.size() + " events " + counts + ", resume at " + tok.value);
            st.put("events", evs);
            st.put("next", tok.value);
        }, "disc", "token", "folder", "renamed", "closed", "treeDeleted");

        step("30c.getContentChanges(maxItems=2)", () -> {
            List<String> got = new ArrayList<>();
            String token = s("token");
            int pages = 0;
            while (true) {
                Holder<String> tok = new Holder<>(token);
                Holder<CmisObjectListType> objs = new Holder<>();
                d.getContentChanges(repo, tok, false, null, null, null, BigInteger.valueOf(2), null, objs);
                List<String> page = events(objs.value);
                pages++;
                Steps.expect(page.size() <= 2, "page " + pages + ": " + page.size() + " events for maxItems 2");
                Steps.expect(tok.value != null && !tok.value.isEmpty(), "page " + pages + ": no changeLogToken");
                got.addAll(page);
                token = tok.value;
                if (!objs.value.isHasMoreItems()) break;
                Steps.expect(!page.isEmpty(), "page " + pages + " is empty but hasMoreItems is true");
                Steps.expect(pages < 1000, "still more after 1000 pages");
            }
            @SuppressWarnings("unchecked")
            List<String> want = (List<String>) st.get("events");
            if (!got.equals(want)) {
                int i = 0;
                while (i < got.size() && i < want.size() && got.get(i).equals(want.get(i))) i++;
                throw new Steps.Check(pages + " pages: " + got.size() + " events, one page: " + want.size()
                    + "; first difference at event " + i + ": " + (i < got.size() ? got.get(i) : null) + " vs " + (i < want.size() ? want.get(i) : null));
            }
            Steps.expect(token.equals(s("next")), "the last page answers token " + token + ", the single page " + s("next"));
            System.err.println("note: " + pages + " pages of at most 2 events give the same " + got.size() + " events");
        }, "events");
    }
}
