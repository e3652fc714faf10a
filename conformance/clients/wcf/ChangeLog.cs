// Step 30 of the WCF scenario: the change log (Discovery service, getContentChanges; see
// ../README.md).
//
// 30a reads repository info's latestChangeLogToken (and capabilityChanges) before the object steps:
// Main runs it between steps 10 and 11. After step 29, 30b reads the log from that token on (the
// token is inclusive) in one page and looks for the events steps 12-29 must have left; 30c reads it
// again two events at a time, each page from the changeLogToken the one before answered, and
// compares. XmlSerializer maps changeTime to a DateTime and capabilityChanges to an enum (value
// types), whose absence it hides: both are also looked for in the raw reply (Capture).

using System;
using System.Collections.Generic;
using System.Linq;
using System.Xml;

static partial class Scenario
{
    const int ChangesMaxItems = 1000; // cmisd's largest page; 30b checks that the log fits

    static readonly string[,] ClSteps = {
        {"30a.getRepositoryInfo(latestChangeLogToken)", "getRepositoryInfo"},
        {"30b.getContentChanges", "getContentChanges"},
        {"30c.getContentChanges(maxItems=2)", "getContentChanges"},
    };

    static string ClOp(string step)
    {
        for (int i = 0; i < ClSteps.GetLength(0); i++) if (ClSteps[i, 0] == step) return ClSteps[i, 1];
        throw new ArgumentException(step);
    }

    static readonly Dictionary<string, string> ClState = new Dictionary<string, string>();

    // 30a, before the object steps.
    static void ChangeLogStart(string repo, RepositoryServicePortClient repoClient, Capture repoCap)
    {
        const string name = "30a.getRepositoryInfo(latestChangeLogToken)";
        if (repo == null) { Skip(name, ClOp(name), "no repositoryId"); return; }
        Run(name, ClOp(name), () =>
        {
            cmisRepositoryInfoType info = repoClient.getRepositoryInfo(new getRepositoryInfo { repositoryId = repo }).repositoryInfo;
            Expect(info != null && info.capabilities != null, "no capabilities");
            Expect(ReplyHas(repoCap, CMIS, "capabilityChanges"), "capabilityChanges missing from the answer");
            Expect(info.capabilities.capabilityChanges == enumCapabilityChanges.all,
                "capabilityChanges=" + info.capabilities.capabilityChanges + ", wanted all");
            Expect(!string.IsNullOrEmpty(info.latestChangeLogToken), "latestChangeLogToken=" + info.latestChangeLogToken);
            ClState["token"] = info.latestChangeLogToken;
            Console.Error.WriteLine("note: latestChangeLogToken before the object steps: " + info.latestChangeLogToken);
        });
    }

    // "objectId changeType changeTime" of each event of a getContentChanges answer, in log order;
    // every event must carry all three (changeTime looked for in the raw reply too).
    static List<string> ChangeEvents(getContentChangesResponse r, Capture cap)
    {
        Expect(r != null && r.objects != null, "no objects in the answer");
        var objs = r.objects.objects ?? new cmisObjectType[0];
        XmlDocument d = LastReplyDoc(cap);
        Expect(d != null, "the raw reply is not readable");
        XmlNodeList infos = d.GetElementsByTagName("changeEventInfo", CMIS);
        Expect(infos.Count == objs.Length, objs.Length + " events but " + infos.Count + " changeEventInfo elements in the reply");
        var out_ = new List<string>();
        for (int i = 0; i < objs.Length; i++)
        {
            string id = IdOf(objs[i]);
            cmisChangeEventType ev = objs[i].changeEventInfo;
            Expect(!string.IsNullOrEmpty(id), "an event without cmis:objectId");
            Expect(ev != null, "the event of " + id + " has no changeEventInfo");
            var time = ((XmlElement) infos[i]).GetElementsByTagName("changeTime", CMIS);
            Expect(time.Count == 1 && time[0].InnerText.Trim() != "", "the " + ev.changeType + " event of " + id + " has no changeTime");
            out_.Add(id + " " + ev.changeType + " " + ev.changeTime.ToUniversalTime().ToString("o"));
        }
        return out_;
    }

    static int IndexOfEvent(List<string> events, string idAndType)
    {
        return events.FindIndex(e => e.StartsWith(idAndType + " "));
    }

    // 30b and 30c, after step 29, with what steps 11-21 (OnState) and 22-29 (MsState) left.
    static void ChangeLogEnd(string baseUrl, string user, string password, bool mtom, bool basic, string repo)
    {
        var st = ClState;
        foreach (string k in new[] { "folder", "doc", "renamed", "treeDeleted" }) if (OnState.ContainsKey(k)) st[k] = OnState[k];
        foreach (string k in new[] { "target", "closed" }) if (MsState.ContainsKey(k)) st[k] = MsState[k];
        Func<string, string> S = k => st.ContainsKey(k) ? st[k] : null;
        Action<string, Action, string[]> step = (name, a, needs) =>
        {
            var missing = needs.Where(k => S(k) == null).ToArray();
            if (missing.Length > 0) Skip(name, ClOp(name), "no " + string.Join(", ", missing) + " (an earlier step failed)");
            else Run(name, ClOp(name), a);
        };

        DiscoveryServicePortClient disc = null;
        var cap = new Capture();
        if (S("token") != null)
        {
            try
            {
                disc = Port((b, a) => new DiscoveryServicePortClient(b, a), baseUrl, "DiscoveryService", mtom, basic, user, password, cap);
                Authenticate(disc, basic, user, password);
                st["disc"] = "yes";
            }
            catch (Exception e)
            {
                failed++;
                Console.WriteLine("FAIL " + FW + " 30.loadWSDL(Discovery): GET ?wsdl " + Describe(e));
                Console.Error.WriteLine(e);
            }
        }
        Func<string, int, getContentChangesResponse> changes = (token, max) => disc.getContentChanges(new getContentChanges
        {
            repositoryId = repo, changeLogToken = token, includeProperties = false, includePropertiesSpecified = true,
            maxItems = max.ToString()
        });
        List<string> all = null;

        step("30b.getContentChanges", () =>
        {
            getContentChangesResponse r = changes(S("token"), ChangesMaxItems);
            List<string> evs = ChangeEvents(r, cap);
            Expect(ReplyHas(cap, CMISM, "hasMoreItems") && !r.objects.hasMoreItems, "hasMoreItems=" + r.objects.hasMoreItems + " with maxItems " + ChangesMaxItems);
            Expect(!string.IsNullOrEmpty(r.changeLogToken), "no changeLogToken in the answer (" + evs.Count + " events)");
            var want = new[] {
                new[] { S("folder"), "created", "the folder of step 12" },
                new[] { S("doc"), "updated", "the document renamed in step 16a" },
                new[] { S("target"), "security", "the ACL change of step 27a" },
                new[] { S("doc"), "deleted", "the document deleteTree removed in step 21a" },
            };
            var missing = want.Where(w => IndexOfEvent(evs, w[0] + " " + w[1]) < 0).Select(w => w[1] + " " + w[0] + " (" + w[2] + ")").ToArray();
            Expect(missing.Length == 0, evs.Count + " events from token " + S("token") + " lack: " + string.Join("; ", missing));
            Expect(IndexOfEvent(evs, S("folder") + " created") < IndexOfEvent(evs, S("doc") + " deleted"),
                "the deletion of the document comes before the creation of its folder");
            var counts = evs.GroupBy(e => e.Split(' ')[1]).OrderBy(g => g.Key).Select(g => g.Key + "=" + g.Count());
            Console.Error.WriteLine("note: getContentChanges from " + S("token") + ": " + evs.Count + " events {" + string.Join(", ", counts) + "}, resume at " + r.changeLogToken);
            all = evs;
            st["next"] = r.changeLogToken;
            st["events"] = "yes";
        }, new[] { "disc", "token", "folder", "renamed", "closed", "treeDeleted" });

        step("30c.getContentChanges(maxItems=2)", () =>
        {
            var got = new List<string>();
            string token = S("token");
            int pages = 0;
            while (true)
            {
                getContentChangesResponse r = changes(token, 2);
                List<string> page = ChangeEvents(r, cap);
                pages++;
                Expect(page.Count <= 2, "page " + pages + ": " + page.Count + " events for maxItems 2");
                Expect(!string.IsNullOrEmpty(r.changeLogToken), "page " + pages + ": no changeLogToken");
                got.AddRange(page);
                token = r.changeLogToken;
                Expect(ReplyHas(cap, CMISM, "hasMoreItems"), "page " + pages + ": hasMoreItems missing from the answer");
                if (!r.objects.hasMoreItems) break;
                Expect(page.Count > 0, "page " + pages + " is empty but hasMoreItems is true");
                Expect(pages < 1000, "still more after 1000 pages");
            }
            if (!got.SequenceEqual(all))
            {
                int i = 0;
                while (i < got.Count && i < all.Count && got[i] == all[i]) i++;
                throw new Check(pages + " pages: " + got.Count + " events, one page: " + all.Count + "; first difference at event " + i + ": "
                    + (i < got.Count ? got[i] : null) + " vs " + (i < all.Count ? all[i] : null));
            }
            Expect(token == S("next"), "the last page answers token " + token + ", the single page " + S("next"));
            Console.Error.WriteLine("note: " + pages + " pages of at most 2 events give the same " + got.Count + " events");
        }, new[] { "events" });
    }
}
