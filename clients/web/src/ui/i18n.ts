// Labels in Danish (the default) and English. Short domain labels only: the licensed ORS/SRS item wording is
// configuration a municipality loads, never shipped here (DOMAIN.md, licence).

export type Lang = "da" | "en";

const LABELS = {
  appName: { da: "Tovholder", en: "Tovholder" },
  login: { da: "Log ind", en: "Log in" },
  unlock: { da: "Lås op", en: "Unlock" },
  unlockHelp: {
    da: "Appen er låst, fordi siden blev genindlæst. Skriv din adgangskode for at åbne dine sager – det virker også uden net.",
    en: "The app is locked because the page was reloaded. Type your password to open your cases – this works offline too.",
  },
  tenant: { da: "Kommune", en: "Municipality" },
  username: { da: "Brugernavn", en: "Username" },
  password: { da: "Adgangskode", en: "Password" },
  server: { da: "Server", en: "Server" },
  deviceName: { da: "Min telefon", en: "My phone" },
  wrongPassword: { da: "Forkert adgangskode.", en: "Wrong password." },
  loginFailed: { da: "Login mislykkedes.", en: "Login failed." },
  needOnline: {
    da: "Første login kræver net. Denne telefon har ingen gemte sager for brugeren.",
    en: "The first login needs a connection. This phone holds no saved cases for this user.",
  },
  offlineExpired: {
    da: "Telefonen har været uden forbindelse til serveren for længe (grænsen var {date}). Få net og log ind for at åbne dine sager. Intet er slettet, og det, der ikke er sendt, sendes, når du er logget ind.",
    en: "This phone has been out of touch with the server for too long (the limit was {date}). Connect to the network and log in to open your cases. Nothing has been deleted, and what has not been sent is sent once you are logged in.",
  },
  storeLocked: {
    da: "Din adgangskode er blevet ændret. Dataene på telefonen er låst med din tidligere adgangskode: skriv den én gang, så låses de om til den nye.",
    en: "Your password has been changed. The data on this phone was locked with your previous password: type it once to re-lock it with the new one.",
  },
  openPurpose: { da: "Hvorfor åbner du sagen?", en: "Why are you opening this case?" },
  openPurposeHelp: {
    da: "Alle opslag i en sag logges med formålet. Du bliver spurgt én gang pr. sag, indtil appen låses.",
    en: "Every look at a case is logged with its purpose. You are asked once per case until the app is locked.",
  },
  openPurposeFailed: {
    da: "Opslaget kunne ikke gemmes på telefonen. Prøv igen.",
    en: "The opening could not be saved on this phone. Try again.",
  },
  previousPassword: { da: "Tidligere adgangskode", en: "Previous password" },
  wrongPreviousPassword: { da: "Det er ikke den tidligere adgangskode.", en: "That is not the previous password." },
  storeHolds: {
    da: "Telefonen har {documents} sager, og {pending} af dem har ændringer, der ikke er sendt til serveren.",
    en: "This phone holds {documents} cases, {pending} of them with changes not yet sent to the server.",
  },
  storeHoldsUnknown: {
    da: "Telefonen har {documents} sager. Om nogle af dem har ændringer, der ikke er sendt, kan kun ses med den tidligere adgangskode.",
    en: "This phone holds {documents} cases. Whether any of them has changes not yet sent can only be seen with the previous password.",
  },
  forgotPrevious: { da: "Jeg kan ikke huske den tidligere adgangskode", en: "I cannot remember the previous password" },
  discardWarning: {
    da: "Sletter du dataene, går ændringer, der ikke er sendt, tabt for altid. Sagerne hentes igen fra serveren.",
    en: "Deleting the data loses changes not yet sent for good. The cases are fetched from the server again.",
  },
  discardStore: { da: "Slet dataene på telefonen", en: "Delete the data on this phone" },
  logout: { da: "Lås", en: "Lock" },
  caseload: { da: "Mine sager", en: "My cases" },
  noCases: { da: "Ingen sager endnu. De hentes, når der er net.", en: "No cases yet. They arrive when online." },
  alert: { da: "advarsel", en: "alert" },
  alerts: { da: "advarsler", en: "alerts" },
  ruleSet: { da: "Regelsæt", en: "Rule set" },
  followUpOverdue: { da: "Opfølgning overskredet", en: "Follow-up overdue" },
  courseEndsSoon: { da: "Forløb slutter snart", en: "Course ends soon" },
  courseRanOver: { da: "Forløb over planlagt slut", en: "Course past its planned end" },
  offline: { da: "Offline", en: "Offline" },
  connecting: { da: "Forbinder …", en: "Connecting …" },
  syncing: { da: "Synkroniserer …", en: "Syncing …" },
  saved: { da: "Alt gemt på serveren", en: "All saved on the server" },
  stopped: { da: "Synkronisering stoppet", en: "Sync stopped" },
  waiting: { da: "venter", en: "waiting" },
  refusedCount: { da: "afvist", en: "refused" },
  savedExceptRefused: { da: "Resten gemt på serveren", en: "The rest saved on the server" },
  problem_login: { da: "Log ind igen for at synkronisere", en: "Log in again to sync" },
  problem_update_app: { da: "Opdatér appen for at synkronisere", en: "Update the app to sync" },
  problem_revoked: { da: "Denne telefon er spærret", en: "This phone has been revoked" },
  back: { da: "Tilbage", en: "Back" },
  ownGoal: { da: "Borgerens eget mål", en: "The citizen's own goal" },
  purpose: { da: "Formål", en: "Purpose" },
  editPlan: { da: "Redigér plan", en: "Edit plan" },
  savePlan: { da: "Gem plan", en: "Save plan" },
  saved_plan: { da: "Planen er gemt på telefonen.", en: "The plan is saved on the phone." },
  ownGoalHelp: { da: "Med borgerens egne ord.", en: "In the citizen's own words." },
  addGoal: { da: "Tilføj mål", en: "Add goal" },
  saved_goal: { da: "Målet er gemt på telefonen.", en: "The goal is saved on the phone." },
  goalTitle: { da: "Mål", en: "Goal" },
  goalLevel: { da: "Niveau", en: "Level" },
  goalParent: { da: "Hører under", en: "Belongs under" },
  goalType: { da: "Måltype (FFB)", en: "Goal type (FFB)" },
  targetDate: { da: "Måldato", en: "Target date" },
  goalStatus: { da: "Status", en: "Status" },
  goals: { da: "Mål", en: "Goals" },
  // Editing and re-ordering goals (src/ui/plan.ts `goalsScreen`, `goalEditForm`).
  editGoals: { da: "Redigér og flyt mål", en: "Edit and move goals" },
  editGoal: { da: "Redigér", en: "Edit" },
  editGoalTitle: { da: "Redigér mål", en: "Edit goal" },
  saveGoal: { da: "Gem mål", en: "Save goal" },
  moveUp: { da: "Flyt op", en: "Move up" },
  moveDown: { da: "Flyt ned", en: "Move down" },
  goalsOrderHelp: {
    da: "Et mål flyttes op eller ned blandt målene på samme niveau under samme mål. Ændringerne gemmes på telefonen og sendes, når der er net.",
    en: "A goal moves up or down among the goals at the same level under the same goal. Changes are saved on the phone and sent when there is a connection.",
  },
  targetDateHelp: { da: "Lad feltet stå tomt, hvis målet ikke har en måldato.", en: "Leave it empty if the goal has no target date." },
  goalInErrorFinal: {
    da: "Målet er registreret ved en fejl og kan ikke ændres eller flyttes.",
    en: "This goal was recorded in error and cannot be changed or moved.",
  },
  goalOrder: { da: "rækkefølge", en: "order" },
  course: { da: "Forløb", en: "Course" },
  plannedEnd: { da: "Planlagt slut", en: "Planned end" },
  start: { da: "Start", en: "Start" },
  noCourse: { da: "Intet aktivt forløb", en: "No active course" },
  contacts: { da: "Kontakter", en: "Contacts" },
  newContact: { da: "Ny kontakt", en: "New contact" },
  kind: { da: "Type", en: "Kind" },
  time: { da: "Tidspunkt", en: "Time" },
  duration: { da: "Varighed (minutter)", en: "Duration (minutes)" },
  notes: { da: "Noter", en: "Notes" },
  goalsWorkedOn: { da: "Mål der blev arbejdet med", en: "Goals worked on" },
  outcomeTitle: { da: "{form} – ved start af kontakten", en: "{form} – at the start of the contact" },
  orsHelp: {
    da: "Hvordan har du haft det den sidste uge, inklusive i dag? Flyt markøren på hver linje.",
    en: "How have you been during the last week, including today? Move the marker on each line.",
  },
  sessionTitle: { da: "{form} – ved slutningen af kontakten", en: "{form} – at the end of the contact" },
  rater: { da: "Hvem udfylder", en: "Who rates" },
  paperForm: { da: "Papirskema: kun totalen skrives af", en: "Paper form: type its total only" },
  paperTotal: { da: "Total i point (0–40)", en: "Total in points (0–40)" },
  paper: { da: "papir", en: "paper" },
  newCase: { da: "Ny sag", en: "New case" },
  extendCourse: { da: "Forlæng", en: "Extend" },
  punchCard: { da: "Klippekort: antal sessioner", en: "Punch card: number of sessions" },
  punchCardHelp: {
    da: "Kun når forløbet bevilges som et antal sessioner; hver kontakt i forløbet bruger et klip.",
    en: "Only when the course is granted as a number of sessions; each contact in it uses one.",
  },
  punchCardLeft: { da: "Klippekort: {left} af {granted} tilbage", en: "Punch card: {left} of {granted} left" },
  punchCardLow: { da: "Klippekort næsten brugt", en: "Punch card nearly used" },
  punchCardShort: { da: "Klippekort", en: "Punch card" },
  punchCardCount: { da: "{granted} bevilget · {used} brugt · {left} tilbage", en: "{granted} granted · {used} used · {left} left" },
  groupSession: { da: "Gruppeforløb", en: "Group session" },
  groupParticipants: { da: "Hvem deltog (og deres GSRS fra papir)", en: "Who took part (and their GSRS from paper)" },
  gsrsPaper: { da: "GSRS-total fra papir", en: "GSRS total from paper" },
  groupNotes: { da: "Hvad handlede sessionen om", en: "What the session was about" },
  groupNotesHelp: {
    da: "Skrives i hver deltagers sag: skriv intet om den enkelte borger her.",
    en: "Written into each participant's case: write nothing about one citizen here.",
  },
  saveGroup: { da: "Gem for alle deltagere", en: "Save for everyone" },
  savedGroup: { da: "Gruppeforløbet er gemt i {n} sager på telefonen.", en: "The group session is saved in {n} cases on the phone." },
  groupNobody: { da: "Vælg hvem der deltog.", en: "Choose who took part." },
  coordination: { da: "Koordinering med netværket", en: "Coordination with the network" },
  coordinationNone: { da: "Ingen koordinering registreret endnu.", en: "No coordination recorded yet." },
  addCoordination: { da: "Registrér koordinering", en: "Record coordination" },
  coordinationParties: { da: "Hvem var involveret", en: "Who was involved" },
  participants: { da: "Deltagere", en: "Participants" },
  agreements: { da: "Aftaler", en: "Agreements" },
  saved_coordination: { da: "Koordineringen er gemt på telefonen.", en: "The coordination is saved on the phone." },
  reasonField: { da: "Begrundelsen", en: "The reason" },
  refused_extension_earlier: {
    da: "En forlængelse flytter den planlagte slutdato senere, ikke tidligere.",
    en: "An extension moves the planned end later, not earlier.",
  },
  extended: { da: "Forlænget", en: "Extended" },
  newPlannedEnd: { da: "Ny planlagt slutdato", en: "New planned end" },
  extensionReason: { da: "Hvorfor forlænges forløbet?", en: "Why is the course extended?" },
  saved_course_extended: { da: "Forlængelsen er gemt på telefonen.", en: "The extension is saved on the phone." },
  followUpWith: { da: "Med hvem", en: "With whom" },
  doneNote: { da: "Hvordan gik det? (kort)", en: "How did it go? (briefly)" },
  markInErrorOpen: { da: "Registreret ved en fejl?", en: "Recorded in error?" },
  markInError: { da: "Markér som fejl", en: "Mark as made in error" },
  inErrorReason: { da: "Hvorfor er det en fejl?", en: "Why is it an error?" },
  createCase: { da: "Opret sag", en: "Create case" },
  citizenName: { da: "Borgerens navn", en: "Citizen's name" },
  citizenReference: { da: "Reference", en: "Reference" },
  citizenReferenceHelp: {
    da: "Kommunens pseudonyme reference fra sagssystemet – aldrig et CPR-nummer.",
    en: "The municipality's pseudonymous reference from its case system – never a CPR number.",
  },
  birthYear: { da: "Fødselsår", en: "Birth year" },
  noTeam: { da: "Du er ikke i et team og kan ikke oprette sager.", en: "You are in no team, so you cannot create cases." },
  collateral: { da: "Pårørendes og fagpersoners vurderinger", en: "Relatives' and professionals' ratings" },
  srsHelp: {
    da: "Hvordan var samtalen i dag? Flyt markøren på hver linje.",
    en: "How was today's session? Move the marker on each line.",
  },
  low: { da: "Lavt", en: "Low" },
  high: { da: "Højt", en: "High" },
  notRated: { da: "Ikke sat", en: "Not set" },
  rated: { da: "Sat", en: "Set" },
  skip: { da: "Springes over", en: "Skip" },
  skipped: { da: "Sprunget over", en: "Skipped" },
  save: { da: "Gem kontakt", en: "Save contact" },
  cancel: { da: "Annullér", en: "Cancel" },
  saved_contact: { da: "Kontakten er gemt på telefonen.", en: "The contact is saved on the phone." },
  partial: {
    da: "Sæt alle fire linjer, eller vælg 'Springes over'.",
    en: "Set all four lines, or choose 'Skip'.",
  },
  fitChart: { da: "FIT-kurve", en: "FIT chart" },
  cutoff: { da: "Skæringspunkt", en: "Cutoff" },
  total: { da: "Total", en: "Total" },
  conflicts: { da: "Konflikter", en: "Conflicts" },
  conflictHelp: {
    da: "To telefoner ændrede det samme felt samtidig. Vælg den rigtige værdi.",
    en: "Two phones changed the same field at the same time. Choose the right value.",
  },
  choose: { da: "Vælg", en: "Choose" },
  refused: { da: "Afvist af serveren", en: "Refused by the server" },
  refusedHelp: {
    da: "Ændringen er gemt på telefonen, men serveren afviste den. Ret sagen, så sendes den igen.",
    en: "The change is kept on the phone, but the server refused it. Correct the case and it is sent again.",
  },
  waitingChanges: { da: "Venter på at blive sendt", en: "Waiting to be sent" },
  language: { da: "EN", en: "DA" },
  languageName: { da: "English", en: "Dansk" },
  category: { da: "Forandring", en: "Change" },
  noContacts: { da: "Ingen kontakter endnu.", en: "No contacts yet." },
  madeInError: { da: "Registreret ved en fejl (tæller ikke med i FIT)", en: "Recorded in error (not counted in FIT)" },
  sendCheckin: { da: "Send tjek-ind-link", en: "Send check-in link" },
  checkinCreating: { da: "Laver link …", en: "Creating link …" },
  checkinLink: { da: "Link til borgerens egen telefon", en: "Link for the citizen's own phone" },
  checkinValidUntil: { da: "Kan bruges én gang, indtil", en: "Can be used once, until" },
  copyLink: { da: "Kopiér link", en: "Copy link" },
  copied: { da: "Linket er kopieret.", en: "The link is copied." },
  copyFailed: { da: "Kunne ikke kopiere. Markér linket og kopiér det selv.", en: "Could not copy. Select the link and copy it yourself." },
  checkin_offline: {
    da: "Tjek-ind-linket kræver forbindelse til serveren. Prøv igen, når der er net.",
    en: "The check-in link needs a connection to the server. Try again when online.",
  },
  checkin_not_on_server: {
    da: "Kontakten er ikke nået serveren endnu. Vent til der står \"Alt gemt på serveren\", og prøv igen.",
    en: "The contact has not reached the server yet. Wait for \"All saved on the server\" and try again.",
  },
  checkin_login: { da: "Log ind igen for at lave et link.", en: "Log in again to create a link." },
  checkin_refused: { da: "Serveren kunne ikke lave linket.", en: "The server could not create the link." },
  // The course of support on the case page (ui/courses.ts, ui/followups.ts, ui/outcomes.ts).
  courses: { da: "Forløb", en: "Courses" },
  noCourses: { da: "Ingen forløb endnu.", en: "No courses yet." },
  startCourse: { da: "Start forløb", en: "Start a course" },
  endCourse: { da: "Afslut forløb", en: "End the course" },
  service: { da: "Ydelse (FFB)", en: "Service (FFB)" },
  legalBasis: { da: "Lovgrundlag", en: "Legal basis" },
  plannedEndHelp: { da: "Skal udfyldes ved §82b (tidsbegrænset hjælp).", en: "Required for §82b (time-limited help)." },
  hoursPerWeek: { da: "Timer pr. uge", en: "Hours a week" },
  hoursShort: { da: "t/uge", en: "h/week" },
  awaitingLead: { da: "Afventer en leders godkendelse", en: "Awaiting a lead's approval" },
  endDate: { da: "Slutdato", en: "End date" },
  endReason: { da: "Årsag", en: "Reason" },
  followUpsNone: { da: "Ingen opfølgninger planlagt.", en: "No follow-ups planned." },
  planFollowUp: { da: "Planlæg opfølgning", en: "Plan a follow-up" },
  due: { da: "Dato", en: "Due" },
  dueOffered: {
    da: "Foreslået: et kvartal efter den seneste opfølgning (op til fire om året).",
    en: "Offered: a quarter after the latest follow-up (up to four a year).",
  },
  followUpPurpose: { da: "Hvad skal følges op?", en: "What to follow up" },
  followUpDone: { da: "Afholdt", en: "Done" },
  markDone: { da: "Markér som afholdt", en: "Mark as done" },
  overdue: { da: "Overskredet", en: "Overdue" },
  planned: { da: "Planlagt", en: "Planned" },
  outcomesNone: { da: "Ingen resultater registreret.", en: "No outcomes recorded." },
  addOutcome: { da: "Registrér resultat", en: "Record an outcome" },
  outcomeKind: { da: "Resultat", en: "Outcome" },
  date: { da: "Dato", en: "Date" },
  note: { da: "Note", en: "Note" },
  saved_course: { da: "Forløbet er gemt på telefonen.", en: "The course is saved on the phone." },
  saved_course_awaiting: {
    da: "Forløbet er gemt på telefonen. Bevillingen er over 5 timer om ugen og afventer en leders godkendelse.",
    en: "The course is saved on the phone. The grant is above 5 hours a week and awaits a lead's approval.",
  },
  saved_course_end: { da: "Forløbet er afsluttet på telefonen.", en: "The course is ended on the phone." },
  saved_follow_up: { da: "Opfølgningen er gemt på telefonen.", en: "The follow-up is saved on the phone." },
  saved_follow_up_done: { da: "Opfølgningen er markeret som afholdt.", en: "The follow-up is marked as done." },
  saved_outcome: { da: "Resultatet er gemt på telefonen.", en: "The outcome is saved on the phone." },
  refused_s82b_planned_end: {
    da: "Et §82b-forløb er tidsbegrænset: angiv den planlagte slutdato.",
    en: "A §82b course is time-limited: give its planned end.",
  },
  refused_not_found: { da: "Findes ikke længere i sagen.", en: "No longer in the case." },
  // Who holds a case (src/ui/assignment.ts) and a goal's status history (src/ui/plan.ts).
  holders: { da: "Tovholder og tilknyttede", en: "Tovholder and assigned workers" },
  tovholderLabel: { da: "Tovholder", en: "Tovholder" },
  assignedWorkers: { da: "Tilknyttede", en: "Assigned workers" },
  makeTovholder: { da: "Gør til tovholder", en: "Make tovholder" },
  assignWorker: { da: "Tilknyt medarbejder", en: "Assign a worker" },
  workerUserId: { da: "Bruger-id", en: "User id" },
  workerName: { da: "Navn", en: "Name" },
  you: { da: "dig", en: "you" },
  colleague: { da: "Kollega", en: "Colleague" },
  holdersHelpTeam: {
    da: "Vælg en kollega fra teamet; navnet er det, sagen viser. Listen er sagens egen; hvem der har sagen på telefonen, bestemmer teamlederens tilknytning.",
    en: "Choose a colleague from the team; the name is the one the case shows. The list is the case's own; which phones hold the case is the team lead's assignment.",
  },
  noColleagues: { da: "Alle i teamet er allerede tilknyttet sagen.", en: "Everyone on the team is already assigned to the case." },
  holdersHelp: {
    da: "Appen kender endnu ikke teamets medarbejdere: angiv bruger-id og navn. Listen er sagens egen; hvem der har sagen på telefonen, bestemmer teamlederens tilknytning.",
    en: "The app does not know the team's members yet: give the user id and name. The list is the case's own; which phones hold the case is the team lead's assignment.",
  },
  saved_holders: { da: "Ændringen er gemt på telefonen.", en: "The change is saved on the phone." },
  refused_tovholder_stays: {
    da: "Tovholderen bliver på sagen: giv rollen videre først.",
    en: "The tovholder stays on the case: hand the role over first.",
  },
  refused_tovholder_not_assigned: {
    da: "Tovholderen skal være en af de tilknyttede.",
    en: "The tovholder is one of the assigned workers.",
  },
  refused_worker_twice: { da: "Medarbejderen er allerede tilknyttet.", en: "This worker is assigned already." },
  refused_user_id: { da: "Angiv medarbejderens bruger-id (et UUID).", en: "Give the worker's user id (a UUID)." },
  refused_workers_missing: {
    da: "Angiv et navn; en sag har altid mindst én tilknyttet.",
    en: "Give a name; a case always keeps at least one assigned worker.",
  },
  statusHistory: { da: "Statushistorik", en: "Status history" },
  otherDevice: { da: "fra enhed", en: "from device" },
  conflictStep: { da: "konflikt – vælg på sagen", en: "conflict – choose on the case" },
  statusHistoryHelp: {
    da: "Hvornår og fra hvilken enhed hvert måls status blev ændret, læst fra sagens egen historik.",
    en: "When and from which device each goal's status changed, read from the case's own history.",
  },
  problem_missing: { da: "mangler", en: "is missing" },
  problem_unknown_code: { da: "er ikke en kendt kode", en: "is not a known code" },
  problem_end_before_start: { da: "ligger før start", en: "is before the start" },
  problem_malformed: { da: "er ikke en gyldig dato", en: "is not a valid date" },
  problem_out_of_range: { da: "er uden for det tilladte", en: "is out of range" },
  problem_too_long: { da: "er for lang", en: "is too long" },
  // The back office's review (src/review/).
  overview: { da: "Overblik", en: "Overview" },
  reviewCases: { da: "Sager", en: "Cases" },
  myCases: { da: "Mine sager", en: "My cases" },
  loading: { da: "Henter …", en: "Loading …" },
  loadFailed: { da: "Kunne ikke hente fra serveren. Overblikket kræver net.", en: "Could not load from the server. The overview needs a connection." },
  figuresFor: { da: "Tal pr.", en: "Figures as of" },
  recommendedCaseload: { da: "Anbefalet sagsantal pr. medarbejder", en: "Recommended caseload per worker" },
  deviceRetentionDays: {
    da: "Dage en afsluttet sag bliver på telefonerne (tom: til den fratages)",
    en: "Days an ended case stays on the phones (empty: until unassigned)",
  },
  notSet: { da: "ikke sat (sættes af en administrator)", en: "not set (an admin sets it)" },
  fig_open_cases: { da: "Åbne sager", en: "Open cases" },
  fig_with_alert: { da: "Sager med FIT-advarsel", en: "Cases with a FIT alert" },
  fig_srs_below_cutoff: { da: "SRS under skæringspunkt ved seneste kontakt", en: "SRS below cutoff at the last contact" },
  fig_follow_ups_overdue: { da: "Opfølgning overskredet", en: "Follow-ups overdue" },
  fig_courses_ending_soon: { da: "Forløb slutter inden for 14 dage", en: "Courses ending within 14 days" },
  fig_courses_past_planned_end: { da: "Forløb over planlagt slut", en: "Courses past their planned end" },
  fig_grants_awaiting_approval: { da: "Bevillinger venter på godkendelse", en: "Grants awaiting approval" },
  fig_conflicts: { da: "Uløste konflikter", en: "Unresolved conflicts" },
  fig_refused_changes: { da: "Afviste ændringer", en: "Refused changes" },
  breakGlass: { da: "Opslag uden for egne sager (30 dage)", en: "Break-the-glass lookups (30 days)" },
  worker: { da: "Medarbejder", en: "Worker" },
  caseloadCount: { da: "Sagsantal", en: "Caseload" },
  overRecommended: { da: "Over anbefalet", en: "Over recommended" },
  citizen: { da: "Borger", en: "Citizen" },
  tovholder: { da: "Tovholder", en: "Key worker" },
  lastContact: { da: "Seneste kontakt", en: "Last contact" },
  flags: { da: "Bemærk", en: "Notes" },
  casesFound: { da: "sager", en: "cases" },
  previous: { da: "Forrige", en: "Previous" },
  next: { da: "Næste", en: "Next" },
  closed: { da: "Afsluttet", en: "Closed" },
  awaitingApproval: { da: "Venter på godkendelse", en: "Awaiting approval" },
  approve: { da: "Godkend", en: "Approve" },
  reject: { da: "Afvis", en: "Reject" },
  grantPerWeek: { da: "Bevilget pr. uge", en: "Granted per week" },
  minutes: { da: "min.", en: "min" },
  decisions: { da: "Beslutninger", en: "Decisions" },
  noDecisions: { da: "Intet venter på en beslutning.", en: "Nothing awaits a decision." },
  assignees: { da: "Medarbejdere på sagen", en: "Workers on the case" },
  unassign: { da: "Fjern fra sagen", en: "Take off the case" },
  dismiss: { da: "Markér som håndteret", en: "Mark as handled" },
  device: { da: "Enhed", en: "Device" },
  decided: { da: "Beslutningen er gemt i sagen og sendes til medarbejdernes telefoner.", en: "The decision is saved in the case and sent to the workers' phones." },
  decisionFailed: { da: "Beslutningen blev ikke gemt:", en: "The decision was not saved:" },
  followUps: { da: "Opfølgninger", en: "Follow-ups" },
  statistics: { da: "FIT-statistik", en: "FIT statistics" },
  period: { da: "Periode", en: "Period" },
  from: { da: "Fra", en: "From" },
  to: { da: "Til", en: "To" },
  show: { da: "Vis", en: "Show" },
  allTeams: { da: "Alle hold", en: "All teams" },
  tooFew: { da: "for få", en: "too few" },
  coursesStarted: { da: "Forløb startet i perioden", en: "Courses started in the period" },
  coursesEnded: { da: "Forløb afsluttet i perioden", en: "Courses ended in the period" },
  clients: { da: "Borgere", en: "Citizens" },
  ageGroups: { da: "Alder ved start", en: "Age at the start" },
  intakeOrs: { da: "Gennemsnitlig ORS ved start", en: "Mean ORS at intake" },
  intakeSrs: { da: "Gennemsnitlig SRS ved start", en: "Mean SRS at intake" },
  contactsPerCourse: { da: "Kontakter pr. forløb", en: "Contacts per course" },
  courseLength: { da: "Forløbslængde (dage)", en: "Course length (days)" },
  changeFromIntake: { da: "Forandring i ORS fra start (forløb med baseline)", en: "ORS change from intake (courses with a baseline)" },
  ch_reliable_improvement: { da: "Sikker forbedring", en: "Reliable improvement" },
  ch_clinically_significant: { da: "Klinisk betydende forbedring", en: "Clinically significant change" },
  ch_reliable_deterioration: { da: "Sikker forværring", en: "Reliable deterioration" },
  ch_no_reliable_change: { da: "Ingen sikker forandring", en: "No reliable change" },
  ch_started_above_cutoff: { da: "Startede over skæringspunktet", en: "Started above the cutoff" },
  withoutBaseline: { da: "Uden baseline", en: "Without a baseline" },
  endedHow: { da: "Sådan sluttede forløbene", en: "How the courses ended" },
  print: { da: "Udskriv", en: "Print" },
  outcomes: { da: "Resultater", en: "Outcomes" },
  tenantOverview: { da: "Kommunens opsætning", en: "The municipality's setup" },
  settings: { da: "Indstillinger", en: "Settings" },
  saveSetting: { da: "Gem", en: "Save" },
  saved_setting: { da: "Gemt.", en: "Saved." },
  users: { da: "Brugere", en: "Users" },
  role: { da: "Rolle", en: "Role" },
  blocked: { da: "Spærret siden", en: "Blocked since" },
  unblock: { da: "Ophæv spærring", en: "Unblock" },
  devices: { da: "Enheder", en: "Devices" },
  lastSeen: { da: "Sidst set", en: "Last seen" },
  revoked: { da: "Spærret", en: "Revoked" },
  spotCheck: { da: "Stikprøve i adgangsloggen", en: "Access log spot check" },
  spotCheckHelp: {
    da: "Tilfældige opslag fra adgangsloggen. Selve stikprøven logges også.",
    en: "Random entries of the access log. The spot check itself is logged too.",
  },
  action: { da: "Handling", en: "Action" },
  revokeDevice: { da: "Spær enheden", en: "Revoke the device" },
  revokeConfirm: {
    da: "Spær enheden? Den logges ud, og de sager, den har, slettes fra den, næste gang den har net.",
    en: "Revoke the device? It is logged out, and the cases it holds are deleted from it the next time it is online.",
  },
  lengthAgainstPlan: { da: "Forløbslængde mod planlagt (dage)", en: "Course length against plan (days)" },
  byMonth: { da: "Måned for måned", en: "Month by month" },
  month: { da: "Måned", en: "Month" },
  started: { da: "Startet", en: "Started" },
  ended: { da: "Afsluttet", en: "Ended" },
  smallNumbers: {
    da: "Tal over færre end {n} forløb vises som \"for få\", så ingen borger kan genkendes.",
    en: "Figures over fewer than {n} courses are shown as \"too few\", so no citizen can be singled out.",
  },
  reviewNote: {
    da: "FIT er her et dialog- og dokumentationsredskab. Tallene viser, hvordan borgeren selv vurderer sit liv og samarbejdet – ikke en effektmåling af indsatsen.",
    en: "FIT is a dialogue and documentation tool here. The figures show how citizens rate their own lives and the alliance – not a measure of the support's effect.",
  },
} as const;

export type LabelKey = keyof typeof LABELS;

let lang: Lang = (localStorage.getItem("tovholder.lang") as Lang | null) ?? "da";

export function getLang(): Lang {
  return lang;
}

export function setLang(next: Lang): void {
  lang = next;
  localStorage.setItem("tovholder.lang", next);
  document.documentElement.lang = next;
}

export function t(key: LabelKey): string {
  return LABELS[key][lang];
}

/** The label of `code` in a code list, or the code itself when the list does not know it. */
export function codeLabel(list: readonly { code: string; da: string; en: string }[], code: string): string {
  const found = list.find((c) => c.code === code);
  return found ? pick(found) : code;
}

/** A label from a {da, en} pair (codes, FIT items). */
export function pick(label: { da: string; en: string }): string {
  return label[lang];
}

// No threshold in these labels: a tenant's rule set may have other numbers than fit-rules/1, and the alerts name
// the rule set that fired them (./fitalerts).
const ALERTS: Record<string, { da: string; en: string }> = {
  no_baseline: { da: "Ingen ORS-baseline endnu", en: "No ORS baseline yet" },
  srs_below_cutoff: { da: "SRS under skæringspunktet", en: "SRS below the cutoff" },
  srs_item_low: { da: "Et SRS-punkt under grænsen", en: "An SRS item below the threshold" },
  srs_dropped: { da: "SRS faldet siden sidst", en: "SRS fell since the last contact" },
  srs_missing: { da: "SRS mangler", en: "SRS missing" },
  no_reliable_change_revisit_goals: { da: "Ingen sikker forandring: se på målene igen", en: "No reliable change: revisit the goals" },
  no_reliable_change_change_support: { da: "Ingen sikker forandring: justér støtten", en: "No reliable change: add or change support" },
  no_reliable_change_consider_other: { da: "Ingen sikker forandring: overvej anden støtte", en: "No reliable change: consider other support" },
  reliable_deterioration: { da: "Sikker forværring", en: "Reliable deterioration" },
};

const CATEGORIES: Record<string, { da: string; en: string }> = {
  no_baseline: { da: "Ingen baseline", en: "No baseline" },
  intake_above_cutoff: { da: "Startede over skæringspunktet (forsigtighed)", en: "Started above the cutoff (use caution)" },
  clinically_significant: { da: "Klinisk betydende forbedring", en: "Clinically significant improvement" },
  reliable_improvement: { da: "Sikker forbedring", en: "Reliable improvement" },
  reliable_deterioration: { da: "Sikker forværring", en: "Reliable deterioration" },
  no_reliable_change: { da: "Ingen sikker forandring", en: "No reliable change" },
};

/** Who can give a rating: the citizen, or (collateral, assessed as its own series) a relative or a professional. */
export const RATERS = ["citizen", "relative", "professional"] as const;

const RATER_LABELS: Record<(typeof RATERS)[number], { da: string; en: string }> = {
  citizen: { da: "Borgeren", en: "The citizen" },
  relative: { da: "En pårørende", en: "A relative" },
  professional: { da: "En fagperson", en: "A professional" },
};

export function raterLabel(rater: string): string {
  return RATER_LABELS[rater as (typeof RATERS)[number]]?.[lang] ?? rater;
}

export function alertLabel(kind: string): string {
  return ALERTS[kind]?.[lang] ?? kind;
}

export function categoryLabel(kind: string): string {
  return CATEGORIES[kind]?.[lang] ?? kind;
}

export function formatDateTime(ms: number): string {
  return new Date(ms).toLocaleString(lang === "da" ? "da-DK" : "en-GB", { dateStyle: "medium", timeStyle: "short" });
}

export function formatDate(iso: string | null): string {
  if (!iso) return "–";
  const d = new Date(`${iso}T12:00:00Z`);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleDateString(lang === "da" ? "da-DK" : "en-GB", { dateStyle: "medium" });
}
