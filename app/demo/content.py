"""What the demo data says: the organisation, its people, and the ticket stories they tell.

Plain data only. English throughout, with German variants where a German-speaking requester
would write in German (and the agent answers in German).
"""

from __future__ import annotations

from dataclasses import dataclass

DOMAIN = "example.com"

#: (name, tier, team mailbox)
TEAMS = [
    ("Service Desk (L1)", 1, "servicedesk"),
    ("Workplace (L2)", 2, "workplace"),
    ("Network (L2)", 2, "network"),
    ("Applications (L2)", 2, "applications"),
    ("Infrastructure (L3)", 3, "infrastructure"),
]
L1, WORKPLACE, NETWORK, APPLICATIONS, INFRASTRUCTURE = (t[0] for t in TEAMS)

#: (name, criticality, default team, description)
SERVICES = [
    ("E-mail", "high", L1, "Mailboxes, shared mailboxes, distribution lists, Outlook on desktop and web."),
    ("ERP", "critical", APPLICATIONS, "Finance, purchasing, sales and logistics in the ERP system."),
    ("VPN", "high", NETWORK, "Remote access to the company network from managed laptops."),
    ("Wi-Fi", "medium", L1, "Corporate and guest wireless networks in all offices."),
    ("Printing", "low", WORKPLACE, "FollowMe printing, floor printers and label printers."),
    ("Laptops", "medium", WORKPLACE, "Company laptops, docking stations, monitors and headsets."),
    ("HR portal", "medium", APPLICATIONS, "Payslips, holiday requests and personal data."),
    ("File shares", "high", INFRASTRUCTURE, "Department and project shares (S:, P:) and their backups."),
]

CATEGORIES = [
    "Access and accounts", "Hardware", "Software", "Network and connectivity", "Printing",
    "New equipment", "Onboarding and offboarding", "How-to",
]

#: (name, role, team, service they own or None)
STAFF = [
    ("Sandra Köhler", "lead", L1, None),
    ("Tom Becker", "agent", L1, None),
    ("Aisha Rahman", "agent", L1, None),
    ("Lukas Weber", "agent", L1, None),
    ("Jonas Fischer", "lead", WORKPLACE, "Laptops"),
    ("Mia Schneider", "agent", WORKPLACE, "Printing"),
    ("Priya Nair", "lead", NETWORK, "VPN"),
    ("Felix Wagner", "agent", NETWORK, "Wi-Fi"),
    ("Elena Rossi", "lead", APPLICATIONS, "ERP"),
    ("David Chen", "agent", APPLICATIONS, "HR portal"),
    ("Markus Hoffmann", "lead", INFRASTRUCTURE, "File shares"),
    ("Olga Petrova", "agent", INFRASTRUCTURE, "E-mail"),
]

FIRST_NAMES_DE = ["Anna", "Michael", "Julia", "Stefan", "Katrin", "Andreas", "Laura", "Thomas", "Sabine",
                  "Florian", "Claudia", "Matthias", "Nina", "Christian", "Petra", "Sebastian", "Jana", "Martin"]
LAST_NAMES_DE = ["Müller", "Schmidt", "Schulz", "Meyer", "Wolf", "Neumann", "Schwarz", "Zimmermann", "Braun",
                 "Krüger", "Hofmann", "Hartmann", "Lange", "Werner", "Krause", "Lehmann", "Schmitt", "Maier"]
FIRST_NAMES_EN = ["James", "Emily", "Oliver", "Sophie", "Daniel", "Chloe", "Samuel", "Grace", "Carlos",
                  "Fatima", "Marco", "Ingrid", "Kenji", "Zofia", "Ahmed", "Lucía", "Noah", "Amara"]
LAST_NAMES_EN = ["Smith", "Walker", "Evans", "Brown", "Taylor", "Garcia", "Okafor", "Novak", "Silva",
                 "Jensen", "Kowalski", "Tanaka", "Haddad", "Moreau", "Larsen", "Patel", "O'Brien", "Costa"]

#: department -> share of requesters
DEPARTMENTS = {"Finance": 8, "Sales": 10, "Marketing": 5, "Human Resources": 4, "Engineering": 9,
               "Logistics": 6, "Legal": 2, "Procurement": 3, "Customer Care": 7}
#: (location, time zone)
LOCATIONS = [("Berlin HQ", "Europe/Berlin"), ("Munich", "Europe/Berlin"), ("Hamburg", "Europe/Berlin"),
             ("Vienna", "Europe/Vienna"), ("Zurich", "Europe/Zurich"), ("Remote", "Europe/Berlin")]
#: the VIPs among the requesters: (name, department, title for the demo)
VIPS = [("Katharina von Berg", "Management", "CEO"), ("Richard Holm", "Finance", "CFO"),
        ("Mei Lin Wong", "Sales", "Head of Sales")]


@dataclass(frozen=True)
class Text:
    subject: str
    description: str
    #: what the agent asks the requester (or "")
    ask: str = ""
    #: the requester's answer to ``ask``
    answer: str = ""
    #: the public resolution message
    fix: str = ""


@dataclass(frozen=True)
class Story:
    type: str
    service: str | None
    category: str
    en: Text
    de: Text | None = None
    #: an internal note a specialist would write
    note: str = ""
    #: the team this usually goes to when L1 cannot solve it
    escalate_to: str | None = None
    #: typical (impact, urgency)
    levels: tuple[str, str] = ("medium", "medium")
    tags: tuple[str, ...] = ()
    #: a vendor or supplier is involved (awaiting third party)
    third_party: str = ""


S = Story

STORIES: list[Story] = [
    # --- E-mail
    S("incident", "E-mail", "Access and accounts",
      Text("Outlook keeps asking for my password",
           "Since this morning Outlook pops up a password prompt every few minutes. Typing my password "
           "does not help; the prompt comes back.",
           "Did you change your Windows password recently? And does Outlook on the web work?",
           "Yes, I changed it on Monday. Outlook on the web works fine.",
           "Your saved credentials were out of date after the password change. I removed them and "
           "re-created your Outlook profile; the prompts should be gone now."),
      Text("Outlook fragt ständig nach dem Passwort",
           "Seit heute Morgen fragt Outlook alle paar Minuten nach meinem Passwort. Die Eingabe hilft "
           "nicht, die Abfrage kommt wieder.",
           "Haben Sie kürzlich Ihr Windows-Passwort geändert? Funktioniert Outlook im Web?",
           "Ja, am Montag. Outlook im Web funktioniert.",
           "Die gespeicherten Anmeldedaten waren nach der Passwortänderung veraltet. Ich habe sie entfernt "
           "und Ihr Outlook-Profil neu angelegt; die Abfragen sollten jetzt weg sein."),
      note="Stale cached credentials after a password change; same pattern as the other prompt tickets.",
      tags=("outlook", "password")),
    S("service_request", "E-mail", "Access and accounts",
      Text("Access to the shared mailbox invoices@",
           "Please give me full access and send-as rights to the shared mailbox invoices@example.com. "
           "I am taking over accounts payable from a colleague.",
           fix="You now have full access and send-as rights. The mailbox appears in Outlook within an hour."),
      Text("Zugriff auf das Postfach rechnungen@",
           "Bitte geben Sie mir Vollzugriff und Senden-als-Rechte auf das Postfach rechnungen@example.com. "
           "Ich übernehme die Kreditorenbuchhaltung.",
           fix="Sie haben jetzt Vollzugriff und Senden-als-Rechte. Das Postfach erscheint innerhalb einer "
               "Stunde in Outlook."),
      note="Approved by the mailbox owner by e-mail.", tags=("shared-mailbox",)),
    S("incident", "E-mail", "Software",
      Text("Mails to our logistics partner bounce",
           "Every mail to our logistics partner comes back with '550 5.7.1 Message rejected by policy'. "
           "We need to send them delivery schedules today.",
           fix="Our new outbound mail server was missing from the SPF record, so the partner rejected our "
               "mails. It has been added and mails are delivered again."),
      note="Partner's gateway rejects on SPF fail; new relay host not in our SPF record.",
      escalate_to=INFRASTRUCTURE, levels=("medium", "high"), tags=("mail-flow",)),
    S("question", "E-mail", "How-to",
      Text("How do I set an out-of-office reply?",
           "I am on holiday from Friday. How do I set up an automatic reply?",
           fix="In Outlook choose File → Automatic Replies and switch on 'Send automatic replies'; you can "
               "also set a start and end time. On the web it is under Settings → Mail → Automatic replies."),
      Text("Wie richte ich eine Abwesenheitsnotiz ein?",
           "Ich bin ab Freitag im Urlaub. Wie richte ich eine automatische Antwort ein?",
           fix="In Outlook unter Datei → Automatische Antworten „Automatische Antworten senden“ wählen; "
               "Beginn und Ende lassen sich festlegen. Im Web: Einstellungen → E-Mail → Automatische "
               "Antworten."),
      levels=("low", "low"), tags=("outlook",)),
    S("incident", "E-mail", "Software",
      Text("Mailbox full, cannot send mails",
           "Outlook says my mailbox is full and I cannot send anything any more.",
           fix="Your mailbox had reached its limit. I switched on the online archive and moved items older "
               "than two years there; you have plenty of space again."),
      levels=("low", "high"), tags=("outlook", "quota")),
    # --- ERP
    S("incident", "ERP", "Software",
      Text("ERP: posting invoices fails with error F5 808",
           "When I post vendor invoices I get error F5 808 'Posting period is locked'. Month-end closing "
           "is due tomorrow.",
           "Which company code and posting date are you using?",
           "Company code 1000, posting date the last day of last month.",
           "A lock on the posting period was left over from the month-end job. It has been released and "
           "postings work again."),
      Text("ERP: Rechnungen lassen sich nicht buchen (F5 808)",
           "Beim Buchen von Eingangsrechnungen erscheint Fehler F5 808 „Buchungsperiode gesperrt“. "
           "Der Monatsabschluss ist morgen fällig.",
           "Welchen Buchungskreis und welches Buchungsdatum verwenden Sie?",
           "Buchungskreis 1000, Buchungsdatum der letzte Tag des Vormonats.",
           "Eine Sperre der Buchungsperiode war vom Monatsabschluss-Job übrig geblieben. Sie ist "
           "aufgehoben, Buchungen funktionieren wieder."),
      note="Period lock from the closing job not released; checked lock table, released it manually.",
      levels=("medium", "high"), tags=("finance", "month-end")),
    S("incident", "ERP", "Software",
      Text("ERP very slow since this morning",
           "Every transaction in the ERP takes 30 seconds or more. The whole sales team is affected.",
           fix="A planning batch job had been moved into business hours by mistake. It runs at night again "
               "and response times are back to normal."),
      note="Batch job overlapping with business hours; vendor asked to confirm the schedule change.",
      escalate_to=INFRASTRUCTURE, levels=("high", "high"), tags=("performance",),
      third_party="ERP vendor support"),
    S("service_request", "ERP", "Access and accounts",
      Text("ERP role for purchase order approval",
           "I need the approver role for purchase orders up to 10,000 EUR for cost centre 4711.",
           fix="The approver role for cost centre 4711 was assigned. Please sign out and in again."),
      note="Approval from the cost-centre owner is attached to the request form.", tags=("authorisation",)),
    S("incident", "ERP", "Printing",
      Text("Cannot print delivery notes from ERP",
           "Delivery notes from the ERP do not come out of the warehouse printer any more. Other "
           "documents print fine.",
           fix="The output device for the warehouse printer still pointed at the old print server. "
               "It has been corrected and delivery notes print again."),
      levels=("medium", "high"), tags=("warehouse",)),
    # --- VPN
    S("incident", "VPN", "Network and connectivity",
      Text("VPN disconnects every few minutes",
           "Working from home, the VPN drops every 5 to 10 minutes and my calls cut off.",
           "Which VPN client version do you see under Help → About, and are you on Wi-Fi or cable?",
           "Version 6.1.3, on Wi-Fi.",
           "Client 6.1.3 has a known bug with some home routers. I upgraded you to 6.1.4; the connection "
           "has been stable for an hour now."),
      Text("VPN bricht alle paar Minuten ab",
           "Im Homeoffice bricht das VPN alle 5 bis 10 Minuten ab, Telefonate werden unterbrochen.",
           "Welche Version des VPN-Clients steht unter Hilfe → Info, und sind Sie per WLAN oder Kabel "
           "verbunden?",
           "Version 6.1.3, per WLAN.",
           "Der Client 6.1.3 hat einen bekannten Fehler mit manchen Heimroutern. Ich habe auf 6.1.4 "
           "aktualisiert; die Verbindung ist seit einer Stunde stabil."),
      note="Another 6.1.3 disconnect; see the problem record.", tags=("vpn-client", "home-office")),
    S("incident", "VPN", "Network and connectivity",
      Text("VPN: certificate expired",
           "The VPN client says 'certificate expired' and does not connect.",
           fix="Your laptop's certificate had expired; I renewed it remotely. Please restart the laptop "
               "once and connect again."),
      levels=("low", "high"), tags=("certificate",)),
    S("service_request", "VPN", "Access and accounts",
      Text("VPN access for an external consultant",
           "Our consultant from a partner firm needs VPN access for three months, starting next Monday.",
           fix="A guest VPN account was created for 90 days; the consultant received the login details "
               "separately."),
      note="Signed NDA received; the account expires automatically.", tags=("external",)),
    S("question", "VPN", "How-to",
      Text("Can I use the VPN on my private tablet?",
           "Is it possible to install the VPN on my own tablet to read documents at home?",
           fix="Only company-managed devices can connect to the VPN. On a private device you can use the "
               "web versions of mail and chat."),
      levels=("low", "low"), tags=("byod",)),
    # --- Wi-Fi
    S("incident", "Wi-Fi", "Network and connectivity",
      Text("No Wi-Fi in meeting room 3.14",
           "Laptops cannot connect to the corporate network in meeting room 3.14; the guest network works.",
           fix="The access point had lost power after building work. The switch port was re-enabled and "
               "the room has Wi-Fi again."),
      Text("Kein WLAN im Besprechungsraum 3.14",
           "Im Besprechungsraum 3.14 verbinden sich die Laptops nicht mit dem Firmennetz; das Gästenetz "
           "funktioniert.",
           fix="Der Access Point hatte nach Bauarbeiten keinen Strom. Der Switch-Port ist wieder aktiv, "
               "der Raum hat wieder WLAN."),
      note="AP-3-14 down on the controller, switch port err-disabled.", escalate_to=NETWORK,
      tags=("access-point",)),
    S("incident", "Wi-Fi", "Network and connectivity",
      Text("Wi-Fi very slow on the 2nd floor",
           "Since yesterday the Wi-Fi on the 2nd floor is very slow; video calls freeze.",
           "Does it happen everywhere on the floor or near particular rooms?",
           "Mostly in the open-plan area near the kitchen.",
           "A neighbour's new network used the same channel. We moved our access points to other channels; "
           "speeds are back to normal."),
      escalate_to=NETWORK, tags=("performance",)),
    S("service_request", "Wi-Fi", "Network and connectivity",
      Text("Guest Wi-Fi for a customer workshop",
           "We have 15 visitors on Thursday from 9 to 17. Please create guest Wi-Fi vouchers.",
           fix="15 vouchers valid for Thursday were created and sent to you by mail."),
      levels=("low", "medium"), tags=("guest",)),
    # --- Printing
    S("incident", "Printing", "Printing",
      Text("Printer on 2nd floor reports a paper jam but no paper is stuck",
           "The floor printer keeps showing 'paper jam in tray 2', but there is nothing in it.",
           fix="A torn piece of paper was stuck behind the fuser. It was removed and a test page printed "
               "fine."),
      Text("Drucker im 2. OG meldet Papierstau, aber kein Papier steckt fest",
           "Der Etagendrucker zeigt dauernd „Papierstau in Fach 2“, es ist aber nichts darin.",
           fix="Ein abgerissenes Stück Papier steckte hinter der Fixiereinheit. Es ist entfernt, eine "
               "Testseite wurde einwandfrei gedruckt."),
      levels=("low", "medium"), tags=("floor-printer",)),
    S("incident", "Printing", "Printing",
      Text("Cannot print to FollowMe since the update",
           "Since the update last night nothing arrives at the FollowMe printers.",
           fix="The print driver package was broken by the update. It was reinstalled and printing works "
               "again."),
      note="Driver package corrupted by the monthly update; see the problem record.", tags=("followme",)),
    S("service_request", "Printing", "Printing",
      Text("New toner for the colour printer in Marketing",
           "The colour printer in the Marketing office is out of magenta.",
           fix="A complete toner set was delivered to the Marketing office."),
      levels=("low", "low"), tags=("consumables",), third_party="office supplier"),
    # --- Laptops
    S("incident", "Laptops", "Hardware",
      Text("Laptop does not start after the Windows update",
           "After last night's update my laptop shows a blue screen at start-up.",
           "Does the blue screen ask for a recovery key?",
           "Yes, it asks for a BitLocker recovery key.",
           "The firmware update triggered BitLocker recovery. We entered the recovery key together and "
           "the laptop starts normally again."),
      Text("Laptop startet nach dem Windows-Update nicht mehr",
           "Nach dem Update heute Nacht zeigt mein Laptop beim Start einen blauen Bildschirm.",
           "Fragt der blaue Bildschirm nach einem Wiederherstellungsschlüssel?",
           "Ja, er fragt nach einem BitLocker-Wiederherstellungsschlüssel.",
           "Das Firmware-Update hat die BitLocker-Wiederherstellung ausgelöst. Wir haben den Schlüssel "
           "gemeinsam eingegeben, der Laptop startet wieder normal."),
      levels=("low", "high"), tags=("bitlocker", "windows-update")),
    S("service_request", "Laptops", "Onboarding and offboarding",
      Text("New laptop for a new hire in Sales",
           "Our new colleague starts on the 1st. Please prepare a standard laptop with docking station "
           "and headset.",
           fix="The laptop is prepared and can be picked up at the IT desk on the ground floor."),
      Text("Neuer Laptop für neue Kollegin im Vertrieb",
           "Unsere neue Kollegin fängt am 1. an. Bitte einen Standard-Laptop mit Dockingstation und "
           "Headset vorbereiten.",
           fix="Der Laptop ist vorbereitet und kann am IT-Schalter im Erdgeschoss abgeholt werden."),
      note="Waiting for the docking station from the supplier; laptop imaged.", tags=("onboarding",),
      third_party="hardware supplier"),
    S("incident", "Laptops", "Hardware",
      Text("Docking station: external monitors stay black",
           "When I put my laptop in the docking station, both external monitors stay black.",
           fix="The dock firmware and the display driver were updated; both monitors work again."),
      note="Dock firmware 1.0.12 affected; see the problem record.", tags=("docking-station",)),
    S("service_request", "Laptops", "Software",
      Text("Please install Visio",
           "I need a diagram tool for process documentation. Could you install Visio?",
           fix="Visio was assigned to your account and installed from the software centre."),
      note="Licence taken from the pool; three left.", levels=("low", "low"), tags=("licence",)),
    S("incident", "Laptops", "Hardware",
      Text("Laptop battery empty within an hour",
           "My laptop battery is empty after about an hour, even with the screen dimmed.",
           fix="The battery was at 41 % of its capacity and has been replaced under warranty."),
      levels=("low", "medium"), tags=("battery", "warranty"), third_party="laptop manufacturer"),
    # --- HR portal
    S("incident", "HR portal", "Software",
      Text("HR portal: last month's payslip is missing",
           "My payslip for last month is not shown in the HR portal; colleagues can see theirs.",
           fix="The payslip import had failed for your personnel area. It was run again and your payslip "
               "is available now."),
      Text("HR-Portal: Gehaltsabrechnung vom letzten Monat fehlt",
           "Meine Gehaltsabrechnung für den letzten Monat wird im HR-Portal nicht angezeigt.",
           fix="Der Import der Abrechnungen war für Ihren Personalbereich fehlgeschlagen. Er wurde "
               "wiederholt, Ihre Abrechnung ist jetzt verfügbar."),
      tags=("payroll",)),
    S("incident", "HR portal", "Software",
      Text("Cannot submit my holiday request",
           "The HR portal says 'Approver not found' when I submit a holiday request.",
           fix="Your new manager had not been set as approver after the reorganisation. That is corrected; "
               "please submit the request again."),
      Text("Urlaubsantrag lässt sich nicht abschicken",
           "Das HR-Portal meldet „Genehmiger nicht gefunden“, wenn ich einen Urlaubsantrag abschicke.",
           fix="Ihre neue Führungskraft war nach der Umorganisation nicht als Genehmiger eingetragen. "
               "Das ist korrigiert; bitte den Antrag erneut abschicken."),
      levels=("low", "medium"), tags=("holiday",)),
    S("question", "HR portal", "How-to",
      Text("Where do I find my annual tax certificate?",
           "I need last year's tax certificate for my tax return. Where is it in the HR portal?",
           fix="Under My documents → Tax. The certificate for last year is published at the end of "
               "February."),
      levels=("low", "low"), tags=("payroll",)),
    # --- File shares
    S("incident", "File shares", "Access and accounts",
      Text("Access denied on S:\\Finance\\Reporting",
           "Since this morning I get 'access denied' on S:\\Finance\\Reporting; yesterday it worked.",
           fix="The folder permissions had been reset by a faulty script. They were restored from the "
               "permission backup."),
      note="ACL reset by the nightly clean-up script; restored from last night's ACL export.",
      levels=("medium", "high"), tags=("permissions",)),
    S("service_request", "File shares", "Software",
      Text("Restore a deleted folder on the project share",
           "I accidentally deleted the folder 'Offers' on P: yesterday around 4 pm.",
           fix="The folder was restored from last night's snapshot to its original place."),
      Text("Gelöschten Ordner auf dem Projektlaufwerk wiederherstellen",
           "Ich habe gestern gegen 16 Uhr versehentlich den Ordner „Angebote“ auf P: gelöscht.",
           fix="Der Ordner wurde aus dem Snapshot von letzter Nacht am ursprünglichen Ort "
               "wiederhergestellt."),
      levels=("low", "medium"), tags=("restore",)),
    S("service_request", "File shares", "Access and accounts",
      Text("New project share for the Atlas project",
           "Please create a share for the Atlas project; members are listed in the attached form.",
           fix="The share for the Atlas project was created; members of the project group have access."),
      tags=("project",)),
    S("incident", "File shares", "Network and connectivity",
      Text("File share very slow in the Hamburg office",
           "Opening files on the S: drive takes minutes in Hamburg.",
           fix="The provider fixed a fault on the WAN link to Hamburg; file access is fast again."),
      escalate_to=NETWORK, tags=("wan", "hamburg"), third_party="WAN provider"),
    # --- no service
    S("incident", None, "Access and accounts",
      Text("Account locked",
           "My account is locked after I typed a wrong password a few times.",
           fix="I unlocked your account after checking your identity by a call back. Please change your "
               "password now."),
      Text("Konto gesperrt",
           "Mein Konto ist gesperrt, nachdem ich mehrmals ein falsches Passwort eingegeben habe.",
           fix="Ich habe Ihr Konto nach einem Rückruf zur Identitätsprüfung entsperrt. Bitte ändern Sie "
               "jetzt Ihr Passwort."),
      note="Identity checked by call back to the number in the directory.", levels=("low", "high"),
      tags=("lockout",)),
    S("service_request", None, "Access and accounts",
      Text("Add me to the team channel 'Sales EMEA'",
           "I moved to the EMEA sales team; please add me to the channel.",
           fix="You were added to 'Sales EMEA' as a member."),
      levels=("low", "low"), tags=("collaboration",)),
    S("question", None, "How-to",
      Text("How do I set up two-factor sign-in on my new phone?",
           "I have a new phone. How do I move my authenticator app?",
           fix="Install the authenticator app on the new phone, then open the security page of your "
               "account and choose 'Add sign-in method'. The knowledge base article 'Sign-in on a new "
               "phone' has screenshots."),
      Text("Wie richte ich die Zwei-Faktor-Anmeldung auf dem neuen Handy ein?",
           "Ich habe ein neues Handy. Wie ziehe ich meine Authenticator-App um?",
           fix="Installieren Sie die Authenticator-App auf dem neuen Handy, öffnen Sie die Sicherheitsseite "
               "Ihres Kontos und wählen Sie „Anmeldemethode hinzufügen“. Der Wissensartikel „Anmeldung "
               "auf neuem Handy“ zeigt es Schritt für Schritt."),
      levels=("low", "medium"), tags=("mfa",)),
    S("question", None, "New equipment",
      Text("Can I get a second monitor?",
           "Working with spreadsheets all day; is a second monitor possible?",
           fix="Yes. Please order it in the portal under 'New equipment'; your manager approves it there."),
      levels=("low", "low"), tags=("monitor",)),
    S("service_request", None, "Onboarding and offboarding",
      Text("Offboarding: colleague leaves on Friday",
           "Our colleague leaves on Friday. Please disable the account at 18:00 and forward mails to me "
           "for 30 days.",
           fix="Disabling the account is scheduled for Friday 18:00 and mail forwarding is set up for "
               "30 days."),
      note="Manager confirmed; laptop return booked with Workplace.", tags=("offboarding",)),
]

#: monitoring alerts (channel alert; the requester is the monitoring account)
ALERTS: list[Story] = [
    S("incident", "VPN", "Network and connectivity",
      Text("[FIRING:1] VPNGatewayDown vpn-gw-02 (critical)",
           "alertname: VPNGatewayDown\ninstance: vpn-gw-02\nseverity: critical\n"
           "summary: VPN gateway does not answer health checks for 5 minutes"),
      note="Gateway rebooted after a kernel panic; traffic failed over to vpn-gw-01 in the meantime.",
      levels=("high", "high"), tags=("alert", "vpn-gateway")),
    S("incident", "File shares", "Hardware",
      Text("[FIRING:1] DiskSpaceLow fs-01 /srv/shares (warning)",
           "alertname: DiskSpaceLow\ninstance: fs-01\nmountpoint: /srv/shares\nseverity: warning\n"
           "summary: less than 10 % free space left"),
      note="Old snapshots pruned; 28 % free again. Capacity request for the next quarter filed.",
      levels=("medium", "medium"), tags=("alert", "capacity")),
    S("incident", "E-mail", "Software",
      Text("[FIRING:1] MailQueueHigh mx-01 (warning)",
           "alertname: MailQueueHigh\ninstance: mx-01\nseverity: warning\n"
           "summary: more than 500 messages queued for 10 minutes"),
      note="Queue built up behind a greylisting partner; drained by itself within 20 minutes.",
      levels=("medium", "high"), tags=("alert", "mail-flow")),
    S("incident", "ERP", "Software",
      Text("[FIRING:1] ERPResponseTimeHigh erp-app-01 (critical)",
           "alertname: ERPResponseTimeHigh\ninstance: erp-app-01\nseverity: critical\n"
           "summary: p95 response time above 5 s for 10 minutes"),
      note="Work processes exhausted by a runaway report; report cancelled, user informed.",
      levels=("high", "high"), tags=("alert", "performance")),
    S("incident", "Wi-Fi", "Network and connectivity",
      Text("[FIRING:1] AccessPointDown ap-2-07 (warning)",
           "alertname: AccessPointDown\ninstance: ap-2-07\nseverity: warning\n"
           "summary: access point not seen by the controller for 5 minutes"),
      note="PoE port flapping; cable replaced.", levels=("low", "medium"), tags=("alert", "access-point")),
]

#: problem records: (service, subject, description, root cause / fix, has a workaround)
PROBLEMS = [
    ("VPN", "Recurring VPN disconnects with client 6.1.3",
     "Several users lose the VPN every few minutes since client 6.1.3 was rolled out. Analysing with the "
     "vendor.",
     "Root cause: a keep-alive bug in client 6.1.3 with some home routers. Client 6.1.4 rolled out to "
     "all laptops.", True),
    ("ERP", "ERP slowness during business hours",
     "Response times above 20 s several times a month, always between 9 and 11.",
     "Root cause: planning batch jobs scheduled into business hours. Schedules corrected and guarded by "
     "a check in the job scheduler.", False),
    ("Printing", "FollowMe print driver breaks after the monthly updates",
     "After each monthly update some laptops cannot print to FollowMe until the driver is reinstalled.",
     "Root cause: the update replaces a shared driver file. The driver package is now repaired by a "
     "start-up script.", True),
    ("E-mail", "Outlook password prompts after a password change",
     "Users are prompted for their password repeatedly after changing it.",
     "Root cause: legacy authentication still enabled for some profiles. Switched to modern "
     "authentication for all mailboxes.", True),
    ("File shares", "Slow file access from the Hamburg office",
     "File shares are slow from Hamburg several times a week.",
     "Root cause: the WAN link to Hamburg saturated by backup traffic. Backups moved to the night and "
     "bandwidth upgraded by the provider.", False),
    ("Laptops", "External monitors stay black on docking stations",
     "Monitors on docking stations stay black after wake-up for a number of users.",
     "Root cause: dock firmware 1.0.12. Firmware 1.0.14 deployed to all docks.", True),
]

# --- generic lines, by language ------------------------------------------------------------------

ACK = {
    "en": ["Hi {first}, thanks for reporting this. I am looking into it now.",
           "Hello {first}, thank you. I have picked this up and will keep you posted.",
           "Hi {first}, I'm on it and will get back to you shortly."],
    "de": ["Hallo {first}, danke für Ihre Meldung. Ich schaue mir das jetzt an.",
           "Guten Tag {first}, vielen Dank. Ich kümmere mich darum und melde mich.",
           "Hallo {first}, ich bin dran und melde mich in Kürze."],
}
ASK_GENERIC = {
    "en": ["Could you send a screenshot of the error message?",
           "Could you tell me when it last worked and whether colleagues are affected too?",
           "Which building and room are you in, and what is the asset tag on your device?"],
    "de": ["Könnten Sie uns einen Screenshot der Fehlermeldung schicken?",
           "Seit wann tritt das auf, und sind Kolleginnen und Kollegen auch betroffen?",
           "In welchem Gebäude und Raum sind Sie, und wie lautet die Inventarnummer des Geräts?"],
}
ANSWER_GENERIC = {
    "en": ["It started yesterday afternoon; two colleagues next to me have the same issue.",
           "Screenshot is in my mail to the service desk. It happens every time.",
           "Building A, room 2.07. Asset tag LT-20417."],
    "de": ["Seit gestern Nachmittag; zwei Kollegen neben mir haben dasselbe Problem.",
           "Der Screenshot ist in meiner Mail an den Service Desk. Es passiert jedes Mal.",
           "Gebäude A, Raum 2.07. Inventarnummer LT-20417."],
}
FIX_GENERIC = {
    "en": "This is fixed now. Please let us know if anything is still not working.",
    "de": "Das ist jetzt behoben. Bitte melden Sie sich, falls noch etwas nicht funktioniert.",
}
VALIDATE = {
    "en": "Could you please check that everything works for you and confirm?",
    "de": "Könnten Sie bitte prüfen, ob alles funktioniert, und kurz bestätigen?",
}
THANKS = {
    "en": ["Works again, thank you!", "Confirmed, all good now. Thanks for the quick help.", "Perfect, thanks."],
    "de": ["Funktioniert wieder, vielen Dank!", "Bestätigt, alles in Ordnung. Danke für die schnelle Hilfe.",
           "Super, danke."],
}
REOPEN_REASONS = {
    "en": ["The problem is back since this morning.", "It worked for a day, now the same error again.",
           "Sorry, still not working on my side."],
    "de": ["Das Problem ist seit heute Morgen wieder da.", "Einen Tag ging es, jetzt wieder derselbe Fehler.",
           "Leider funktioniert es bei mir immer noch nicht."],
}
NOT_FIXED = {"en": "Unfortunately it still does not work.", "de": "Leider funktioniert es noch nicht."}
WITHDRAW = {"en": "Solved itself after a restart, sorry for the noise.",
            "de": "Hat sich nach einem Neustart erledigt, sorry."}
CSAT_COMMENTS = {
    5: ["Fast and friendly, thank you!", "Great help.", None, None],
    4: ["Good, took a little while.", None, None],
    3: ["OK, but I had to explain it twice.", None],
    2: ["Took far too long.", "Nobody told me what was going on for days."],
    1: ["Still not really fixed.", "Very slow and no updates."],
}
REJECT_REASONS = [
    "Private device: we cannot support it. Please use the web apps.",
    "Not an IT topic; forwarded to Facilities.",
    "Covered by the existing ticket for the same issue.",
]
ESCALATION_NOTES = [
    "Escalating to {team}: basic checks done (restart, cache cleared, other device tested).",
    "Needs {team}; L1 checks done, logs attached to this note.",
    "Handing over to {team}: reproducible, not a known L1 fix.",
]
WORK_NOTES = [
    "Checked the logs; nothing unusual before the error started.",
    "Reproduced it on a test account.",
    "Called the requester, issue confirmed.",
    "Remote session done; collected diagnostics.",
]
VIP_NOTE = "VIP requester: keep them updated personally."
THIRD_PARTY_NOTES = ["Case opened with the {who}; reference {ref}.", "Waiting for the {who} ({ref})."]
THIRD_PARTY_BACK = "The {who} delivered; continuing."
NO_ANSWER = "No answer from the requester for five working days."

