"""One "to refund" outcome for money an order cannot take: the former `for_finance` (paid
after cancellation or expiry) and `paid_twice` (paid after it was already paid) notices become
`to_refund`."""

from django.db import migrations, models


def forwards(apps, schema_editor):
    PaymentNotice = apps.get_model("billing", "PaymentNotice")
    PaymentNotice.objects.filter(outcome__in=["for_finance", "paid_twice"]).update(
        outcome="to_refund")


def backwards(apps, schema_editor):
    PaymentNotice = apps.get_model("billing", "PaymentNotice")
    PaymentNotice.objects.filter(outcome="to_refund").update(outcome="paid_twice")


class Migration(migrations.Migration):

    dependencies = [("billing", "0008_paymentnotice_paid_twice")]

    operations = [
        migrations.RemoveConstraint(model_name="paymentnotice",
                                    name="one_paid_twice_flag_per_transaction"),
        migrations.AlterField(
            model_name="paymentnotice", name="outcome",
            field=models.CharField(choices=[("applied", "Applied"),
                                            ("duplicate", "Already applied"),
                                            ("refused", "Refused"), ("to_refund", "To refund")],
                                   max_length=12)),
        migrations.RunPython(forwards, backwards),
        migrations.AddConstraint(
            model_name="paymentnotice",
            constraint=models.UniqueConstraint(
                condition=models.Q(("outcome", "to_refund")),
                fields=("provider", "transaction_id"), name="one_refund_flag_per_transaction")),
        migrations.AlterField(
            model_name="statementline", name="status",
            field=models.CharField(choices=[("matched", "Matched and confirmed"),
                                            ("doubtful", "For a person to check"),
                                            ("to_refund", "To refund"),
                                            ("settled", "Settled by hand"),
                                            ("dismissed", "Not a fee")],
                                   db_index=True, max_length=10)),
    ]
