"""Plans: the individual plan, prioritised contacts, the crisis plan, self-ratings,
coordination meetings and the PDFs made from them. One module a subject."""

from .calendar import CalendarFeed
from .crisis_plan import CrisisPlan, ResponsibilityLink
from .deadlines import Deadline, DeadlineKind, DeadlineState, Reminder, ReminderStage
from .documents import DocumentKind, PlanDocument
from .individual_plan import ContactPath, Goal, IndividualPlan, PlanRevision, SubGoal, SubGoalStatus
from .meetings import (
    CoordinationMeeting,
    MeetingAction,
    MeetingInvitee,
    MeetingKind,
    MeetingOffer,
    MeetingStatus,
    OfferAnswer,
)
from .prioritised_contacts import ActorKind, PrioritisedContact, PrioritisedContactStatus
from .self_ratings import RatingPhase, RatingSource, SelfRating, SelfRatingLink
from .versioned import VersionedPlan

__all__ = [
    "ActorKind",
    "CalendarFeed",
    "ContactPath",
    "CoordinationMeeting",
    "CrisisPlan",
    "Deadline",
    "DeadlineKind",
    "DeadlineState",
    "DocumentKind",
    "Goal",
    "IndividualPlan",
    "MeetingAction",
    "MeetingInvitee",
    "MeetingKind",
    "MeetingOffer",
    "MeetingStatus",
    "OfferAnswer",
    "PlanDocument",
    "PlanRevision",
    "PrioritisedContact",
    "PrioritisedContactStatus",
    "RatingPhase",
    "RatingSource",
    "Reminder",
    "ReminderStage",
    "ResponsibilityLink",
    "SelfRating",
    "SelfRatingLink",
    "SubGoal",
    "SubGoalStatus",
    "VersionedPlan",
]
